import Fluent
import Vapor

/// What routes share: the configuration, the password hasher and the login throttle.
/// Handed to controllers at start-up (no service locator).
public struct ControlPlaneContext: Sendable {
    public let configuration: ServerConfiguration
    public let hasher: BcryptHasher
    public let throttle: LoginThrottle
    /// The key agents pin and relays trust.
    public let identity: ServerIdentity
    /// Agent control connections held by this instance.
    public let presence: AgentPresence

    public init(configuration: ServerConfiguration, threadPool: NIOThreadPool) throws {
        self.configuration = configuration
        self.hasher = try BcryptHasher(cost: configuration.passwordCost, threadPool: threadPool)
        self.throttle = LoginThrottle(policy: configuration.loginPolicy)
        self.identity = try ServerIdentity.loadOrCreate(in: configuration.dataDirectory)
        self.presence = AgentPresence()
    }

    /// Login sessions over `database`.
    public func sessions(on database: any Database) -> LoginSessions {
        LoginSessions(
            database: database, hasher: hasher, throttle: throttle,
            lifetime: configuration.loginLifetime)
    }
}
