import Fluent
import Foundation
import TsunaguCore

/// The file-transfer log: stores what agents report (checked against the session they name)
/// and answers a company's admins.
struct FileTransferLog {
    let database: any Database

    /// What became of a report.
    enum Outcome: Equatable {
        /// Stored now, or already stored under the same id: confirm it to the agent.
        case stored
        /// Not this device's session, or not a valid record: confirm it too (a retry would
        /// never succeed) and say why in the server's log.
        case rejected(String)
    }

    /// Stores one agent's record. Throws only when the database fails (then the agent keeps
    /// the record and sends it again after its next reconnect).
    func record(_ record: ControlMessage.FileTransferRecord, deviceID: UUID) async throws -> Outcome
    {
        guard let id = UUID(uuidString: record.id) else {
            return .rejected("the record id is not a UUID")
        }
        guard let sessionID = UUID(uuidString: record.session),
            let session = try await RemoteSession.find(sessionID, on: database),
            session.$device.id == deviceID
        else { return .rejected("session \(record.session) is not this device's") }
        if try await FileTransferEntry.find(id, on: database) != nil { return .stored }
        let entry = FileTransferEntry()
        entry.id = id
        entry.$tenant.id = session.$tenant.id
        entry.sessionID = sessionID
        entry.deviceID = deviceID
        entry.deviceName = session.deviceName
        entry.operatorLogin = session.operatorLogin
        entry.direction = record.direction
        entry.path = String(record.path.prefix(4096))
        entry.size = Int64(clamping: record.size)
        entry.bytesMoved = Int64(clamping: record.bytesMoved)
        entry.resumedFrom = Int64(clamping: record.resumedFrom)
        entry.sha256 = record.sha256.flatMap { Self.isDigest($0) ? $0 : nil }
        entry.outcome = record.outcome
        entry.failure = record.failure.map { String($0.prefix(64)) }
        entry.detail = record.detail.map { String($0.prefix(1024)) }
        entry.endedAt = record.endedAt
        entry.recordedAt = Date()
        do {
            try await entry.create(on: database)
        } catch {
            // The same record from a second connection of the agent may have won the race.
            if try await FileTransferEntry.find(id, on: database) != nil { return .stored }
            throw error
        }
        return .stored
    }

    /// A company's transfers, oldest first, within [from, to].
    func entries(tenantID: UUID, from: Date?, to: Date?) async throws -> [FileTransferEntry] {
        var query = FileTransferEntry.query(on: database).filter(\.$tenant.$id == tenantID)
        if let from { query = query.filter(\.$endedAt >= from) }
        if let to { query = query.filter(\.$endedAt <= to) }
        return try await query.sort(\.$endedAt).sort(\.$id).all()
    }

    private static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
