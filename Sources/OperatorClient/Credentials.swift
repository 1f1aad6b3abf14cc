import Foundation

/// What `tsunagu login` keeps for the other commands: where, who, and the bearer token
/// with its expiry. Never the password.
public struct Credentials: Codable, Sendable, Equatable {
    /// The server's base URL.
    public var server: ServerURL
    /// The company ID logged in to.
    public var company: String
    /// The operator's login.
    public var login: String
    /// The bearer token for `Authorization:`.
    public var token: String
    /// When the server stops honouring `token`.
    public var expiresAt: Date
    /// An extra CA certificate file (PEM) given at login, used again by later commands.
    public var caFile: String?

    /// Credentials with the given parts.
    public init(
        server: ServerURL, company: String, login: String, token: String, expiresAt: Date,
        caFile: String? = nil
    ) {
        self.server = server
        self.company = company
        self.login = login
        self.token = token
        self.expiresAt = expiresAt
        self.caFile = caFile
    }

    /// True once the token has expired (a minute early, so a command does not start with a
    /// token that dies half-way).
    public func isExpired(at now: Date = Date()) -> Bool {
        expiresAt.timeIntervalSince(now) < 60
    }
}
