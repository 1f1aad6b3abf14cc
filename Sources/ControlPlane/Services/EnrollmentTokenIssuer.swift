import Fluent
import Foundation

/// Issues enrollment tokens: the secret an agent shows on first contact to join a company.
public struct EnrollmentTokenIssuer: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// A freshly issued token; the secret is shown once and never stored.
    public struct Issued: Sendable {
        public var token: String
        public var expiresAt: Date
        public var uses: Int
    }

    /// Issues a token good for `uses` enrollments within `lifetime` seconds.
    public func issue(
        tenant: Tenant, uses: Int = 1, lifetime: TimeInterval = 24 * 3600, createdBy: String?
    ) async throws -> Issued {
        guard (1...10_000).contains(uses) else {
            throw APIError.invalidField("uses", "must be between 1 and 10000")
        }
        guard lifetime >= 60, lifetime <= 90 * 24 * 3600 else {
            throw APIError.invalidField("expiresInHours", "must be between 1 minute and 90 days")
        }
        let secret = SecretToken.generate(prefix: "tse_")
        let expiresAt = Date().addingTimeInterval(lifetime)
        let row = EnrollmentToken(
            tenantID: try tenant.requireID(), tokenHash: SecretToken.storedHash(of: secret),
            usesRemaining: uses, expiresAt: expiresAt, createdBy: createdBy)
        try await row.create(on: database)
        return Issued(token: secret, expiresAt: expiresAt, uses: uses)
    }
}
