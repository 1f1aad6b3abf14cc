import Fluent
import Foundation

/// An operator's logged-in session: a bearer token (CLI) that is also the browser's cookie.
/// Only hashes are stored, so a copy of the database lets nobody log in.
public final class APIToken: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "api_tokens"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Parent(key: "operator_id") public var `operator`: Operator
    @Field(key: "token_hash") public var tokenHash: String
    /// The hash of the CSRF token a browser must echo on state-changing requests.
    @Field(key: "csrf_hash") public var csrfHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "source_address") public var sourceAddress: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(
        tenantID: UUID, operatorID: UUID, tokenHash: String, csrfHash: String, expiresAt: Date,
        sourceAddress: String?
    ) {
        self.$tenant.id = tenantID
        self.$operator.id = operatorID
        self.tokenHash = tokenHash
        self.csrfHash = csrfHash
        self.expiresAt = expiresAt
        self.sourceAddress = sourceAddress
    }
}
