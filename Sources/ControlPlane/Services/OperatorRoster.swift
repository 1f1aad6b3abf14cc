import Fluent
import Foundation

/// A company's operators and its seat count: active operators never exceed the seats.
public struct OperatorRoster: Sendable {
    let database: any Database
    let hasher: BcryptHasher

    public init(database: any Database, hasher: BcryptHasher) {
        self.database = database
        self.hasher = hasher
    }

    /// Logins are case-insensitive and kept lower-case: letters, digits, `.`, `_`, `-`, `@`.
    public static func normalizedLogin(_ text: String) -> String? {
        let login = text.trimmingCharacters(in: .whitespaces).lowercased()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-@".unicodeScalars)
        guard (1...64).contains(login.count), login.unicodeScalars.allSatisfy(allowed.contains)
        else { return nil }
        return login
    }

    /// Adds an active operator; `409 seat_limit` when every seat is taken, `409 login_taken`
    /// when the login exists in this company.
    @discardableResult
    public func create(
        tenant: Tenant, login rawLogin: String, password: String, role: Operator.Role
    ) async throws -> Operator {
        guard let login = Self.normalizedLogin(rawLogin) else {
            throw APIError.invalidField("login", "use 1–64 letters, digits, '.', '_', '-' or '@'")
        }
        guard password.count >= 8 else {
            throw APIError.invalidField("password", "must be at least 8 characters")
        }
        let hash = try await hasher.hash(password)
        let tenantID = try tenant.requireID()
        do {
            return try await database.transaction { tx in
                try await Tenant.lockRow(tenantID, on: tx)
                if try await Operator.query(on: tx).filter(\.$tenant.$id == tenantID)
                    .filter(\.$login == login).first() != nil
                {
                    throw Self.loginTaken(login)
                }
                try await Self.requireFreeSeat(tenant: tenant, on: tx)
                let op = Operator(tenantID: tenantID, login: login, passwordHash: hash, role: role)
                try await op.create(on: tx)
                return op
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.loginTaken(login)
        }
    }

    /// Activates or deactivates an operator of `tenant`; activation needs a free seat.
    public func setActive(_ active: Bool, operatorID: UUID, tenant: Tenant) async throws -> Operator
    {
        let tenantID = try tenant.requireID()
        return try await database.transaction { tx in
            try await Tenant.lockRow(tenantID, on: tx)
            guard
                let op = try await Operator.query(on: tx).filter(\.$id == operatorID)
                    .filter(\.$tenant.$id == tenantID).first()
            else {
                throw APIError(.notFound, "operator_not_found", "No such operator in this company.")
            }
            if active && !op.active { try await Self.requireFreeSeat(tenant: tenant, on: tx) }
            op.active = active
            try await op.save(on: tx)
            if !active {
                // A deactivated operator's logins end now, not when they expire.
                try await APIToken.query(on: tx).filter(\.$operator.$id == operatorID).delete()
            }
            return op
        }
    }

    /// The company's operators, by login.
    public func list(tenantID: UUID) async throws -> [Operator] {
        try await Operator.query(on: database).filter(\.$tenant.$id == tenantID).sort(\.$login).all()
    }

    /// Active operators of the company (seats in use).
    public func seatsUsed(tenantID: UUID, on db: (any Database)? = nil) async throws -> Int {
        try await Operator.query(on: db ?? database).filter(\.$tenant.$id == tenantID)
            .filter(\.$active == true).count()
    }

    private static func requireFreeSeat(tenant: Tenant, on tx: any Database) async throws {
        let tenantID = try tenant.requireID()
        let fresh = try await Tenant.find(tenantID, on: tx) ?? tenant
        let used = try await Operator.query(on: tx).filter(\.$tenant.$id == tenantID)
            .filter(\.$active == true).count()
        if used >= fresh.seats {
            throw APIError(
                .conflict, "seat_limit",
                "All \(fresh.seats) operator seats are in use; deactivate an operator or buy more seats.")
        }
    }

    private static func loginTaken(_ login: String) -> APIError {
        APIError(.conflict, "login_taken", "An operator with login \(login) already exists in this company.")
    }
}
