import Fluent
import Vapor

/// What routes share: the configuration, the password hasher and the login throttle.
/// Handed to controllers at start-up (no service locator).
public struct ControlPlaneContext: Sendable {
    public let configuration: ServerConfiguration
    public let hasher: PasswordHasher
    public let throttle: LoginThrottle

    public init(configuration: ServerConfiguration, threadPool: NIOThreadPool) throws {
        self.configuration = configuration
        self.hasher = try PasswordHasher(cost: configuration.passwordCost, threadPool: threadPool)
        self.throttle = LoginThrottle(policy: configuration.loginPolicy)
    }

    /// Login sessions over `database`.
    public func sessions(on database: any Database) -> LoginSessions {
        LoginSessions(
            database: database, hasher: hasher, throttle: throttle,
            lifetime: configuration.loginLifetime)
    }
}
