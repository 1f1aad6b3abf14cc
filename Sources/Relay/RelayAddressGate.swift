import NIOConcurrencyHelpers
import NIOCore

/// Counts, per remote IP address, the connections that have not yet presented a valid ticket,
/// and refuses one more beyond the limit.
///
/// Without it one host could hold thousands of sockets half way through the handshake, each
/// costing a file descriptor and buffers, for as long as the handshake limits allow. A
/// connection counts from its accept (standalone listeners) or its WebSocket upgrade (inside
/// the control plane's HTTP server) until its ticket verifies or it closes. The count is
/// shared by every event loop, under one lock.
final class RelayAddressGate: Sendable {
    /// Most connections one address may have before their tickets.
    let limit: Int
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Why a connection was not let in.
    enum Refusal: Error, Equatable {
        /// The address already has ``RelayAddressGate/limit`` connections without a ticket.
        case tooManyUnauthenticated(address: String)
    }

    /// Takes a place for `channel`'s remote address, given back when the channel closes or
    /// ``RelayAddressPass/release()`` is called, whichever comes first.
    /// - Returns: the place, or nil when the address is at the limit (close the channel).
    ///   A channel without an IP address (a test channel not yet connected) is not counted.
    func enter(_ channel: Channel) -> RelayAddressPass? {
        guard let address = channel.remoteAddress?.ipAddress else {
            return RelayAddressPass(gate: self, address: nil)
        }
        let admitted = counts.withLockedValue { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
        guard admitted else { return nil }
        let pass = RelayAddressPass(gate: self, address: address)
        channel.closeFuture.whenComplete { _ in pass.release() }
        return pass
    }

    /// Connections of `address` counted now.
    func count(of address: String) -> Int {
        counts.withLockedValue { $0[address, default: 0] }
    }

    fileprivate func leave(_ address: String) {
        counts.withLockedValue { counts in
            let left = counts[address, default: 1] - 1
            // Removed at zero, so that the table holds only addresses with a handshake open.
            counts[address] = left > 0 ? left : nil
        }
    }
}

/// One connection's place in a ``RelayAddressGate``; given back once, however often released.
final class RelayAddressPass: Sendable {
    private let gate: RelayAddressGate
    private let address: String?
    private let held = NIOLockedValueBox(true)

    fileprivate init(gate: RelayAddressGate, address: String?) {
        self.gate = gate
        self.address = address
    }

    /// Gives the place back: the ticket verified, or the channel closed.
    func release() {
        let wasHeld = held.withLockedValue { held in
            defer { held = false }
            return held
        }
        if wasHeld, let address { gate.leave(address) }
    }
}
