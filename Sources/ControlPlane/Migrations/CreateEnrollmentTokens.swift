import Fluent

/// Enrollment tokens, stored hashed, with a use count and an expiry.
struct CreateEnrollmentTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(EnrollmentToken.schema)
            .id()
            .field("tenant_id", .uuid, .required, .references(Tenant.schema, "id"))
            .field("token_hash", .string, .required)
            .field("uses_remaining", .int, .required)
            .field("expires_at", .datetime, .required)
            .field("created_by", .string)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(EnrollmentToken.schema).delete()
    }
}
