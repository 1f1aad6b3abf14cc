import Fluent
import Foundation

/// A helpdesk person of one tenant who logs in to the console; holds one seat while active.
public final class Operator: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "operators"

    /// What an operator may do in the console.
    public enum Role: String, Codable, Sendable, CaseIterable {
        /// Manages the company's operators, devices, enrollment tokens and logs.
        case admin
        /// Connects to devices.
        case `operator`
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Field(key: "login") public var login: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var role: Role
    @Field(key: "active") public var active: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(tenantID: UUID, login: String, passwordHash: String, role: Role, active: Bool = true)
    {
        self.$tenant.id = tenantID
        self.login = login
        self.passwordHash = passwordHash
        self.role = role
        self.active = active
    }
}
