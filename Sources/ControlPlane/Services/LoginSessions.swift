import Fluent
import Foundation
import TsunaguCore
import Vapor

/// Logs operators in and out and resolves tokens back to operators.
public struct LoginSessions: Sendable {
    let database: any Database
    let hasher: BcryptHasher
    let policy: LoginPolicy
    let lifetime: TimeInterval

    public init(
        database: any Database, hasher: BcryptHasher, policy: LoginPolicy, lifetime: TimeInterval
    ) {
        self.database = database
        self.hasher = hasher
        self.policy = policy
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

    /// Checks company, login and password, throttling repeated failures (see `LoginPolicy`):
    /// the failure is counted before the password is checked, so parallel guesses all count.
    public func login(
        company: String, login rawLogin: String, password: String, from address: String
    )
        async throws -> Issued
    {
        let companyKey = CompanyID(company)?.rawValue ?? company.uppercased()
        let login = OperatorRoster.normalizedLogin(rawLogin) ?? rawLogin.lowercased()
        let keys: [(ThrottleKey, AttemptLimit)] = [
            (.account(company: companyKey, login: login), policy.account),
            (.address(address), policy.address),
            (.accountFromAddress(company: companyKey, login: login, address: address), policy.pair),
        ]
        let throttle = AttemptThrottle(database: database)
        let now = Date()
        // The account is reserved first and, when it refuses, alone: an attempt refused for
        // its account must not count against its address.
        var slots = [try await throttle.reserve(keys[0].0, limit: keys[0].1, now: now)]
        let untouched = AttemptThrottle.Slot(failures: 1, lockedUntil: nil)
        let accountRefuses =
            if case .refuse = policy.decide(
                account: slots[0], address: untouched, pair: untouched,
                now: now.timeIntervalSince1970)
            { true } else { false }
        if !accountRefuses {
            for (key, limit) in keys.dropFirst() {
                slots.append(try await throttle.reserve(key, limit: limit, now: now))
            }
        } else {
            slots += [untouched, untouched]
        }
        let reserved = accountRefuses ? Array(keys.prefix(1)) : keys
        let releaseAll = { for (key, _) in reserved { try? await throttle.release(key) } }
        let tenant: Tenant?
        do {
            tenant = try await TenantRegistry(database: database).find(companyID: company)
        } catch {
            await releaseAll()
            throw error
        }
        let audit = AuditTrail(database: database)
        switch policy.decide(
            account: slots[0], address: slots[1], pair: slots[2], now: now.timeIntervalSince1970)
        {
        case .refuse(let seconds, let lockedKey):
            await releaseAll()
            try? await audit.record(
                .loginRefused, tenantID: tenant?.id, actor: login, subject: login, address: address,
                detail:
                    "Login refused unchecked: too many failures for this \(lockedKey.rawValue); retry in \(seconds) s."
            )
            throw APIError.tooManyAttempts(retryAfter: seconds)
        case .proceed(let delay):
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
        }
        // Every path below verifies one bcrypt hash, so timing does not tell whether the
        // company or the login exists.
        var op: Operator?
        let matched: Bool
        do {
            if let tenantID = tenant?.id {
                op = try await Operator.query(on: database).filter(\.$tenant.$id == tenantID)
                    .filter(\.$login == login).filter(\.$active == true).first()
            }
            matched = try await hasher.verify(password, against: op?.passwordHash)
        } catch {
            await releaseAll()
            throw error
        }
        guard matched, let tenant, let op else {
            try await recordFailure(
                keys: keys, tenantID: tenant?.id, login: login, address: address)
            throw APIError.invalidCredentials
        }
        await releaseAll()
        guard tenant.isUsable() else { throw APIError.tenantInactive }

        let token = SecretToken.generate(prefix: "tso_")
        let csrf = SecretToken.generate(prefix: "csrf_")
        let expiresAt = Date().addingTimeInterval(lifetime)
        let row = APIToken(
            tenantID: try tenant.requireID(), operatorID: try op.requireID(),
            tokenHash: SecretToken.storedHash(of: token),
            csrfHash: SecretToken.storedHash(of: csrf),
            expiresAt: expiresAt, sourceAddress: address)
        try await row.create(on: database)
        return Issued(
            token: token, csrfToken: csrf, expiresAt: expiresAt, tenant: tenant, operator: op)
    }

    /// Keeps the reserved failures, locks what reached its limit, and writes it down.
    private func recordFailure(
        keys: [(ThrottleKey, AttemptLimit)], tenantID: UUID?, login: String, address: String
    ) async throws {
        let throttle = AttemptThrottle(database: database)
        let audit = AuditTrail(database: database)
        try? await audit.record(
            .loginFailed, tenantID: tenantID, actor: login, subject: login, address: address,
            detail: "Wrong company ID, login or password.")
        for (key, limit) in keys {
            guard try await throttle.confirmFailure(key, limit: limit) else { continue }
            let what =
                if case .address = key { "address \(address)" } else { "account \(login)" }
            try? await audit.record(
                .loginLocked, tenantID: tenantID, actor: login, subject: login, address: address,
                detail:
                    "Logins for \(what) locked for \(Int(limit.lockSeconds)) s after \(limit.failures) failures."
            )
        }
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
