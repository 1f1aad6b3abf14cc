import Fluent

/// The audit trail: refused attempts, lockouts, enrollment refusals, key conflicts.
struct CreateAuditEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditEvent.schema)
            .id()
            .field("tenant_id", .uuid, .references(Tenant.schema, "id"))
            .field("at", .datetime, .required)
            .field("kind", .string, .required)
            .field("actor", .string)
            .field("subject", .string)
            .field("address", .string)
            .field("detail", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuditEvent.schema).delete()
    }
}
