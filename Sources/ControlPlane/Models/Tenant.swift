import Fluent
import Foundation

/// A company that buys operator seats; identified by its company ID.
public final class Tenant: Model, @unchecked Sendable {
    // @unchecked: Fluent's property wrappers are not Sendable; a model never crosses tasks
    // while it is being mutated (Vapor's own template does the same).
    public static let schema = "tenants"

    /// The state of the contract.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case active, suspended, terminated
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "company_id") public var companyID: String
    @Field(key: "name") public var name: String
    @Field(key: "seats") public var seats: Int
    @OptionalField(key: "licence_expires_at") public var licenceExpiresAt: Date?
    @Field(key: "contacts") public var contacts: [String]
    @Field(key: "status") public var status: Status
    @Field(key: "status_changed_at") public var statusChangedAt: Date
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(
        companyID: String, name: String, seats: Int, licenceExpiresAt: Date?, contacts: [String],
        status: Status = .active, statusChangedAt: Date = Date()
    ) {
        self.companyID = companyID
        self.name = name
        self.seats = seats
        self.licenceExpiresAt = licenceExpiresAt
        self.contacts = contacts
        self.status = status
        self.statusChangedAt = statusChangedAt
    }

    /// True when operators of this company may log in and work.
    public func isUsable(at now: Date = Date()) -> Bool {
        status == .active && (licenceExpiresAt.map { $0 > now } ?? true)
    }

    /// Serialises changes to one company's seats and tokens inside a transaction: writing
    /// its row takes the row lock in PostgreSQL and the write lock in SQLite, so two
    /// concurrent changes cannot both see the last free seat or the last use of a token.
    static func lockRow(_ id: UUID, on transaction: any Database) async throws {
        try await Tenant.query(on: transaction).filter(\.$id == id).set(\.$updatedAt, to: Date())
            .update()
    }
}
