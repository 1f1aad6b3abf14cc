import Fluent
import Foundation
import TsunaguCore

/// Creates and finds companies (tenants). Used by the admin commands and, later, the
/// provider's console.
public struct TenantRegistry: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// What a new company needs.
    public struct NewTenant: Sendable {
        public var companyID: String
        public var name: String
        public var seats: Int
        public var licenceExpiresAt: Date?
        public var contacts: [String]

        public init(
            companyID: String, name: String, seats: Int, licenceExpiresAt: Date? = nil,
            contacts: [String] = []
        ) {
            self.companyID = companyID
            self.name = name
            self.seats = seats
            self.licenceExpiresAt = licenceExpiresAt
            self.contacts = contacts
        }
    }

    /// Creates a company; a duplicate company ID is a `409 company_exists`.
    @discardableResult
    public func create(_ new: NewTenant) async throws -> Tenant {
        guard let companyID = CompanyID(new.companyID) else {
            throw APIError.invalidField(
                "company", "use 2–32 letters, digits and '-' (e.g. ACME-01)")
        }
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError.invalidField("name", "must be 1–200 characters")
        }
        guard (1...100_000).contains(new.seats) else {
            throw APIError.invalidField("seats", "must be between 1 and 100000")
        }
        for contact in new.contacts where !Self.looksLikeMailAddress(contact) {
            throw APIError.invalidField("contact", "\(contact) is not a mail address")
        }
        if try await find(companyID: companyID.rawValue) != nil {
            throw Self.duplicate(companyID)
        }
        let tenant = Tenant(
            companyID: companyID.rawValue, name: name, seats: new.seats,
            licenceExpiresAt: new.licenceExpiresAt, contacts: new.contacts)
        do {
            try await tenant.create(on: database)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.duplicate(companyID)  // lost a race with another creator
        }
        return tenant
    }

    /// The company with this ID (case-insensitive), or nil.
    public func find(companyID: String) async throws -> Tenant? {
        guard let id = CompanyID(companyID) else { return nil }
        return try await Tenant.query(on: database).filter(\.$companyID == id.rawValue).first()
    }

    /// The company with this ID, or a clear `404 unknown_company` (for admin commands).
    public func require(companyID: String) async throws -> Tenant {
        guard let tenant = try await find(companyID: companyID) else {
            throw APIError(.notFound, "unknown_company", "No company with ID \(companyID) exists.")
        }
        return tenant
    }

    private static func duplicate(_ id: CompanyID) -> APIError {
        APIError(.conflict, "company_exists", "A company with ID \(id) already exists.")
    }

    static func looksLikeMailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !text.contains(where: \.isWhitespace)
    }
}
