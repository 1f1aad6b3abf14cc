import Fluent
import Foundation

/// A secret an agent presents on first contact to join a tenant; stored only as a hash.
public final class EnrollmentToken: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "enrollment_tokens"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Field(key: "token_hash") public var tokenHash: String
    /// How many more enrollments it allows.
    @Field(key: "uses_remaining") public var usesRemaining: Int
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "created_by") public var createdBy: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(
        tenantID: UUID, tokenHash: String, usesRemaining: Int, expiresAt: Date, createdBy: String?
    ) {
        self.$tenant.id = tenantID
        self.tokenHash = tokenHash
        self.usesRemaining = usesRemaining
        self.expiresAt = expiresAt
        self.createdBy = createdBy
    }
}
