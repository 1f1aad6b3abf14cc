import TsunaguCore

/// File-transfer records not yet confirmed by the server. The control connection sends new
/// ones while it is online and every unconfirmed one after each reconnect, until the server
/// confirms each by id, so a transfer that ends while the connection is down is still
/// logged. Bounded: beyond `limit` the oldest records are dropped (and counted).
public actor FileTransferOutbox {
    private var pending: [String: (record: ControlMessage.FileTransferRecord, added: Int)] = [:]
    private var order: [String] = []
    private let limit: Int
    /// Counts additions, so that a sender can ask for what came after what it sent.
    public private(set) var generation = 0
    /// Records dropped because the outbox was full.
    public private(set) var dropped = 0

    /// An empty outbox keeping at most `limit` records.
    public init(limit: Int = 10_000) {
        self.limit = limit
    }

    public func add(_ record: ControlMessage.FileTransferRecord) {
        if order.count >= limit, let oldest = order.first {
            order.removeFirst()
            pending[oldest] = nil
            dropped += 1
        }
        generation += 1
        pending[record.id] = (record, generation)
        order.append(record.id)
    }

    /// Unconfirmed records added after `seen` (0: all), oldest first, and the generation now.
    public func records(addedAfter seen: Int) -> (
        records: [ControlMessage.FileTransferRecord], generation: Int
    ) {
        let records = order.compactMap { id in
            pending[id].flatMap { $0.added > seen ? $0.record : nil }
        }
        return (records, generation)
    }

    /// The server stored the record.
    public func confirm(_ id: String) {
        guard pending.removeValue(forKey: id) != nil else { return }
        order.removeAll { $0 == id }
    }

    public var count: Int { order.count }
}
