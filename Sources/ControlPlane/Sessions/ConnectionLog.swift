import Crypto
import Fluent
import Foundation

/// The companies' connection logs: append one record per ended session, read by time range,
/// verify the hash chains, purge what is older than the retention.
public struct ConnectionLog: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The hash a chain starts from.
    public static let genesis = String(repeating: "0", count: 64)
    /// The shortest retention the provider promises.
    public static let minimumRetentionDays = 365

    /// Appends the record of an ended session with its channels; a second call for the same
    /// session returns the first record (ends can be reported twice, e.g. by a relay retrying
    /// a report). Called inside the transaction that ends the session, it joins it: the end
    /// and its record are saved together or not at all.
    @discardableResult
    public func append(_ session: RemoteSession, channels: [ChannelConnection] = [])
        async throws -> ConnectionRecord
    {
        let usages = try channels.sorted { $0.requestedAt < $1.requestedAt }.map(ChannelUsage.init)
        let sessionID = try session.requireID()
        if let existing = try await ConnectionRecord.query(on: database)
            .filter(\.$sessionID == sessionID).first()
        {
            return existing
        }
        let tenantID = session.$tenant.id
        return try await database.transaction { tx in
            // One writer per company at a time: the chain has no forks.
            try await Tenant.lockRow(tenantID, on: tx)
            if let existing = try await ConnectionRecord.query(on: tx)
                .filter(\.$sessionID == sessionID).first()
            {
                return existing
            }
            let last = try await ConnectionRecord.query(on: tx).filter(\.$tenant.$id == tenantID)
                .sort(\.$seq, .descending).first()
            let anchor = try await LogAnchor.query(on: tx).filter(\.$tenant.$id == tenantID)
                .sort(\.$seq, .descending).first()
            let record = ConnectionRecord()
            record.$tenant.id = tenantID
            record.seq = (last?.seq ?? anchor?.seq ?? 0) + 1
            record.sessionID = sessionID
            record.operatorLogin = session.operatorLogin
            record.deviceName = session.deviceName
            record.channel = session.channel
            record.relayID = session.relayID
            record.requestedAt = Self.millisecondPrecision(session.requestedAt)
            record.startedAt = session.startedAt.map(Self.millisecondPrecision)
            record.endedAt = Self.millisecondPrecision(session.endedAt ?? Date())
            record.bytesFromOperator = session.bytesFromOperator
            record.bytesFromAgent = session.bytesFromAgent
            record.operatorAddress = session.operatorAddress ?? session.requestAddress
            record.agentAddress = session.agentAddress
            record.endReason = (session.endReason ?? .unknown).rawValue
            record.channels = usages.isEmpty ? nil : try ChannelUsage.text(of: usages)
            record.prevHash = last?.hash ?? anchor?.hash ?? Self.genesis
            record.hash = Self.hash(of: record)
            try await record.create(on: tx)
            return record
        }
    }

    /// The company's records with `endedAt` in `[from, to)`, oldest first.
    public func records(
        tenantID: UUID, from: Date?, to: Date?, operatorLogin: String? = nil,
        deviceName: String? = nil
    ) async throws -> [ConnectionRecord] {
        var query = ConnectionRecord.query(on: database).filter(\.$tenant.$id == tenantID)
        if let from { query = query.filter(\.$endedAt >= from) }
        if let to { query = query.filter(\.$endedAt < to) }
        if let operatorLogin { query = query.filter(\.$operatorLogin == operatorLogin) }
        if let deviceName { query = query.filter(\.$deviceName == deviceName) }
        return try await query.sort(\.$seq).all()
    }

    /// What `verify` found in one company's chain.
    public struct Verification: Sendable, Equatable {
        public var companyID: String
        public var records: Int
        /// Human-readable problems; empty means the chain is intact.
        public var problems: [String]
    }

    /// Recomputes every company's chain: each record's hash, the link to the record before,
    /// and no gaps in the sequence numbers.
    public func verify() async throws -> [Verification] {
        var results: [Verification] = []
        for tenant in try await Tenant.query(on: database).sort(\.$companyID).all() {
            let tenantID = try tenant.requireID()
            let records = try await ConnectionRecord.query(on: database)
                .filter(\.$tenant.$id == tenantID).sort(\.$seq).all()
            let anchor = try await LogAnchor.query(on: database).filter(\.$tenant.$id == tenantID)
                .sort(\.$seq, .descending).first()
            var problems: [String] = []
            var expectedSeq = (anchor?.seq ?? 0) + 1
            var expectedPrev = anchor?.hash ?? Self.genesis
            for record in records {
                if record.seq != expectedSeq {
                    problems.append("record \(expectedSeq)…\(record.seq - 1) missing (deleted?)")
                }
                if record.prevHash != expectedPrev {
                    problems.append("record \(record.seq) does not follow the record before it")
                }
                if Self.hash(of: record) != record.hash {
                    problems.append("record \(record.seq) was changed after it was written")
                }
                expectedSeq = record.seq + 1
                expectedPrev = record.hash
            }
            results.append(
                .init(companyID: tenant.companyID, records: records.count, problems: problems))
        }
        return results
    }

    /// Removes records that ended before `cutoff`, which must be at least the minimum
    /// retention ago; leaves an anchor so the chain still verifies. Returns how many went.
    public func purge(endedBefore cutoff: Date, now: Date = Date()) async throws -> Int {
        let limit = now.addingTimeInterval(-Double(Self.minimumRetentionDays) * 86_400)
        guard cutoff <= limit else {
            throw APIError(
                .unprocessableEntity, "retention_too_short",
                "Connection logs are kept at least \(Self.minimumRetentionDays) days.")
        }
        var removed = 0
        for tenant in try await Tenant.query(on: database).all() {
            let tenantID = try tenant.requireID()
            removed += try await database.transaction { tx in
                try await Tenant.lockRow(tenantID, on: tx)
                // Only a prefix of the chain may go: stop at the first record to keep.
                let firstKept = try await ConnectionRecord.query(on: tx)
                    .filter(\.$tenant.$id == tenantID).filter(\.$endedAt >= cutoff)
                    .sort(\.$seq).first()
                var query = ConnectionRecord.query(on: tx).filter(\.$tenant.$id == tenantID)
                    .filter(\.$endedAt < cutoff)
                if let firstKept { query = query.filter(\.$seq < firstKept.seq) }
                let prefix = try await query.sort(\.$seq).all()
                guard let last = prefix.last else { return 0 }
                try await LogAnchor(
                    tenantID: tenantID, seq: last.seq, hash: last.hash, purgedAt: now
                )
                .create(on: tx)
                try await ConnectionRecord.query(on: tx).filter(\.$tenant.$id == tenantID)
                    .filter(\.$seq <= last.seq).delete()
                return prefix.count
            }
        }
        return removed
    }

    /// SHA-256 over the previous hash and every field, in a fixed order. The channel list
    /// joins the hashed fields only where a record has one, so records written before it
    /// still verify.
    public static func hash(of record: ConnectionRecord) -> String {
        var fields: [String] = [
            record.prevHash, String(record.seq), record.sessionID.uuidString,
            record.$tenant.id.uuidString,
            record.operatorLogin, record.deviceName, record.channel.rawValue, record.relayID,
            millis(record.requestedAt), record.startedAt.map(millis) ?? "-", millis(record.endedAt),
            String(record.bytesFromOperator), String(record.bytesFromAgent),
            record.operatorAddress ?? "-", record.agentAddress ?? "-", record.endReason,
        ]
        if let channels = record.channels, !channels.isEmpty { fields.append(channels) }
        // Length-prefixed so that no two field lists give the same bytes.
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Databases keep dates at different precisions; the log keeps milliseconds, which all
    /// of them hold exactly, so a hash computed before storing matches one computed after.
    static func millisecondPrecision(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    private static func millis(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}
