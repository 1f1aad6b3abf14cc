import Fluent

/// Login sessions (bearer tokens and browser cookies), stored hashed, with expiry.
struct CreateAPITokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(APIToken.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("operator_id", .uuid, .required, .references(Operator.schema, "id"))
            .field("token_hash", .string, .required)
            .field("csrf_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("source_address", .string)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(APIToken.schema).delete()
    }
}
