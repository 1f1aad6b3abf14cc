import Fluent

/// Operators: login unique within the tenant, slow password hash, role, active flag.
struct CreateOperators: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Operator.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("login", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "tenant_id", "login")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Operator.schema).delete()
    }
}
