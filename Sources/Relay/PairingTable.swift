import TsunaguCore

/// Which ends wait and which are paired, keyed by (session, connection): a socket-free state
/// machine whose methods return what the relay must do.
///
/// `End` is the relay's handle on one connection (compared by identity); `Pair` is what a
/// completed channel becomes. The table never closes anything itself.
struct PairingTable<End: AnyObject, Pair> {
    /// One channel connection of one session.
    struct Key: Hashable, Sendable {
        var session: String
        /// ``SessionTicket/connectionKey``: both ends' tickets name the same one.
        var connection: String
        var channel: SessionChannel
    }

    enum Slot {
        case waiting(role: SessionTicketRole, end: End)
        case paired(Pair, operator: End, agent: End)
    }

    /// What to do with an end that just presented a valid ticket.
    enum Arrival {
        /// Keep it waiting for its peer.
        case wait
        /// Pair it with `waiting`, which has the opposite role; the table now holds `pair`.
        case paired(Pair, waiting: End)
        /// Turn it away.
        case refuse(RelayRefusal)
    }

    /// What leaving the table meant.
    enum Departure {
        /// The end was not in the table (already removed).
        case absent
        /// The end was waiting and is removed.
        case wasWaiting
        /// The end was paired; the pair is removed.
        case wasPaired(Pair)
    }

    /// Most keys (waiting or paired) at once.
    let capacity: Int
    private(set) var slots: [Key: Slot] = [:]
    private(set) var waitingCount = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var pairedCount: Int { slots.count - waitingCount }

    /// An end with `role` arrives for `key`; `makePair(waiting, arriving)` builds the pair.
    mutating func arrive(
        _ end: End, role: SessionTicketRole, key: Key, makePair: (End, End) -> Pair
    ) -> Arrival {
        switch slots[key] {
        case nil:
            guard slots.count < capacity else { return .refuse(.relayFull) }
            slots[key] = .waiting(role: role, end: end)
            waitingCount += 1
            return .wait
        case .waiting(let waitingRole, let waiting):
            guard waitingRole != role else { return .refuse(.roleTaken) }
            let pair = makePair(waiting, end)
            let (op, agent) = role == .operator ? (end, waiting) : (waiting, end)
            slots[key] = .paired(pair, operator: op, agent: agent)
            waitingCount -= 1
            return .paired(pair, waiting: waiting)
        case .paired:
            return .refuse(.roleTaken)
        }
    }

    /// `end` leaves `key` (closed, timed out); removes the whole slot it belongs to.
    mutating func leave(_ end: End, key: Key) -> Departure {
        switch slots[key] {
        case .waiting(_, let waiting) where waiting === end:
            slots[key] = nil
            waitingCount -= 1
            return .wasWaiting
        case .paired(let pair, let op, let agent) where op === end || agent === end:
            slots[key] = nil
            return .wasPaired(pair)
        default:
            return .absent
        }
    }

    /// Removes every channel of `session`, returning what they were.
    mutating func remove(session: String) -> [Slot] {
        let keys = slots.keys.filter { $0.session == session }
        return keys.compactMap { remove(key: $0) }
    }

    /// Removes everything, returning what it was.
    mutating func removeAll() -> [Slot] {
        Array(slots.keys).compactMap { remove(key: $0) }
    }

    private mutating func remove(key: Key) -> Slot? {
        guard let slot = slots.removeValue(forKey: key) else { return nil }
        if case .waiting = slot { waitingCount -= 1 }
        return slot
    }
}

extension PairingTable: Sendable where End: Sendable, Pair: Sendable {}
extension PairingTable.Slot: Sendable where End: Sendable, Pair: Sendable {}
