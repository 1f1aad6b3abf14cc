import Fluent
import Foundation

/// Appends to and reads the audit trail. Writing an event never fails the request that
/// caused it beyond the database being gone: a refused attempt stays refused either way.
public struct AuditTrail: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// Appends one event.
    public func record(
        _ kind: AuditEvent.Kind, tenantID: UUID?, actor: String? = nil, subject: String? = nil,
        address: String? = nil, detail: String
    ) async throws {
        try await AuditEvent(
            tenantID: tenantID, kind: kind, actor: actor.map { String($0.prefix(200)) },
            subject: subject.map { String($0.prefix(200)) }, address: address, detail: detail
        ).create(on: database)
    }

    /// The company's events between `from` and `to`, oldest first.
    public func events(tenantID: UUID, from: Date?, to: Date?, limit: Int = 10_000) async throws
        -> [AuditEvent]
    {
        var query = AuditEvent.query(on: database).filter(\.$tenant.$id == tenantID)
        if let from { query = query.filter(\.$at >= from) }
        if let to { query = query.filter(\.$at < to) }
        return try await query.sort(\.$at).range(..<limit).all()
    }
}
