import Fluent

/// Companies: unique company ID, seats, licence term, contacts, contract status.
struct CreateTenants: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Tenant.schema)
            .id()
            .field("company_id", .string, .required)
            .field("name", .string, .required)
            .field("seats", .int, .required)
            .field("licence_expires_at", .datetime)
            .field("contacts", .array(of: .string), .required)
            .field("status", .string, .required)
            .field("status_changed_at", .datetime, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "company_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Tenant.schema).delete()
    }
}
