import Foundation
import Vapor

/// The operator behind a request, after its token was checked. Every query a route makes is
/// scoped by `tenantID` from here, never by anything the caller sent.
public struct AuthenticatedOperator: Authenticatable, Sendable {
    public let tenantID: UUID
    public let companyID: String
    public let operatorID: UUID
    public let login: String
    public let role: Operator.Role
    public let tokenID: UUID

    /// Throws `403 admin_required` unless this operator is a tenant admin.
    public func requireAdmin() throws {
        guard role == .admin else { throw APIError.adminOnly }
    }
}

extension Request {
    /// The authenticated operator; routes behind ``OperatorAuthenticator`` always have one.
    public func requireOperator() throws -> AuthenticatedOperator {
        guard let op = auth.get(AuthenticatedOperator.self) else { throw APIError.unauthenticated }
        return op
    }
}
