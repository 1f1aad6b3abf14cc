import Fluent
import Foundation
import TsunaguCore
import Vapor

/// Logs operators in and out and resolves tokens back to operators.
public struct LoginSessions: Sendable {
    let database: any Database
    let hasher: BcryptHasher
    let throttle: LoginThrottle
    let lifetime: TimeInterval

    public init(database: any Database, hasher: BcryptHasher, throttle: LoginThrottle, lifetime: TimeInterval) {
        self.database = database
        self.hasher = hasher
        self.throttle = throttle
        self.lifetime = lifetime
    }

    /// A successful login: the secrets are returned once.
    public struct Issued: Sendable {
        public var token: String
        public var csrfToken: String
        public var expiresAt: Date
        public var tenant: Tenant
        public var `operator`: Operator
    }

    /// Checks company, login and password, throttling repeated failures.
    public func login(company: String, login rawLogin: String, password: String, from address: String)
        async throws -> Issued
    {
        let companyKey = CompanyID(company)?.rawValue ?? company.uppercased()
        let login = OperatorRoster.normalizedLogin(rawLogin) ?? rawLogin.lowercased()
        let account = "\(companyKey)|\(login)"
        switch await throttle.check(account: account, address: address) {
        case .refuse(let seconds):
            throw APIError.tooManyAttempts(retryAfter: seconds)
        case .proceed(let delay):
            if delay > .zero { try await Task.sleep(for: delay) }
        }
        // Every path below verifies one bcrypt hash, so timing does not tell whether the
        // company or the login exists.
        let tenant = try await TenantRegistry(database: database).find(companyID: company)
        var op: Operator?
        if let tenantID = tenant?.id {
            op = try await Operator.query(on: database).filter(\.$tenant.$id == tenantID)
                .filter(\.$login == login).filter(\.$active == true).first()
        }
        let matched = await hasher.verify(password, against: op?.passwordHash)
        guard matched, let tenant, let op else {
            await throttle.recordFailure(account: account, address: address)
            throw APIError.invalidCredentials
        }
        await throttle.recordSuccess(account: account)
        guard tenant.isUsable() else { throw APIError.tenantInactive }

        let token = SecretToken.generate(prefix: "tso_")
        let csrf = SecretToken.generate(prefix: "csrf_")
        let expiresAt = Date().addingTimeInterval(lifetime)
        let row = APIToken(
            tenantID: try tenant.requireID(), operatorID: try op.requireID(),
            tokenHash: SecretToken.storedHash(of: token), csrfHash: SecretToken.storedHash(of: csrf),
            expiresAt: expiresAt, sourceAddress: address)
        try await row.create(on: database)
        return Issued(token: token, csrfToken: csrf, expiresAt: expiresAt, tenant: tenant, operator: op)
    }

    /// The operator a token belongs to, or nil when it is unknown, expired, or its operator or
    /// company may no longer work. Also returns the stored CSRF hash for cookie requests.
    public func resolve(token: String) async throws -> (AuthenticatedOperator, csrfHash: String)? {
        guard
            let row = try await APIToken.query(on: database)
                .filter(\.$tokenHash == SecretToken.storedHash(of: token))
                .filter(\.$expiresAt > Date())
                .with(\.$operator).with(\.$tenant).first(),
            row.operator.active
        else { return nil }
        guard row.tenant.isUsable() else { throw APIError.tenantInactive }
        let op = AuthenticatedOperator(
            tenantID: try row.tenant.requireID(), companyID: row.tenant.companyID,
            operatorID: try row.operator.requireID(), login: row.operator.login,
            role: row.operator.role, tokenID: try row.requireID())
        return (op, row.csrfHash)
    }

    /// Ends a login now: its token stops working at once.
    public func logout(tokenID: UUID) async throws {
        try await APIToken.query(on: database).filter(\.$id == tokenID).delete()
    }

    /// Drops expired tokens (housekeeping).
    public func purgeExpired() async throws {
        try await APIToken.query(on: database).filter(\.$expiresAt <= Date()).delete()
    }
}
