import Fluent

/// Devices: connection name unique within the tenant, password hash, key, mode, OS facts.
struct CreateDevices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Device.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("connection_name", .string, .required)
            .field("connection_password_hash", .string, .required)
            .field("public_key", .string)
            .field("mode", .string, .required)
            .field("os_name", .string)
            .field("os_version", .string)
            .field("hostname", .string)
            .field("agent_version", .string)
            .field("connected", .bool, .required)
            .field("last_seen_at", .datetime)
            .field("password_failures", .int, .required)
            .field("password_locked_until", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "tenant_id", "connection_name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Device.schema).delete()
    }
}
