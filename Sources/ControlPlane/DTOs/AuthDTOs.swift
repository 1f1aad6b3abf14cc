import Foundation
import Vapor

/// `POST /api/v1/auth/login` body.
struct LoginRequest: Content {
    var company: String
    var login: String
    var password: String
    /// Reserved for TOTP; accepted and ignored until TOTP is enabled for a company.
    var totp: String?
}

/// The operator as the API shows it.
struct OperatorDTO: Content {
    var id: UUID
    var login: String
    var role: Operator.Role
    var active: Bool
    var company: String

    init(_ op: Operator, company: String) throws {
        id = try op.requireID()
        login = op.login
        role = op.role
        active = op.active
        self.company = company
    }
}

/// `POST /api/v1/auth/login` answer.
struct LoginResponse: Content {
    var token: String
    var csrfToken: String
    var expiresAt: Date
    var `operator`: OperatorDTO
}
