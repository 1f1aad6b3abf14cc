import TsunaguCore

/// Ended channels not yet accepted by the control plane. A report takes a snapshot; only a
/// successful report removes what it carried, so nothing is lost while the server is down.
actor EndedSessionQueue {
    private var pending: [RelaySessionEnd] = []
    /// Most records kept while the server is unreachable; the oldest go first beyond it.
    private let limit: Int

    init(limit: Int = 1_000_000) {
        self.limit = limit
    }

    func append(_ end: RelaySessionEnd) {
        pending.append(end)
        if pending.count > limit { pending.removeFirst(pending.count - limit) }
    }

    /// The records to send now (at most `max`).
    func snapshot(max: Int = 5_000) -> [RelaySessionEnd] {
        Array(pending.prefix(max))
    }

    /// The first `count` records were delivered.
    func delivered(_ count: Int) {
        pending.removeFirst(min(count, pending.count))
    }

    var count: Int { pending.count }
}
