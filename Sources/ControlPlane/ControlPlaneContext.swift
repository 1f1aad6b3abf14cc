import Fluent
import TsunaguCore
import Vapor

/// Closes sessions at a relay the control plane runs itself (the embedded relay); external
/// relays learn of ends from the answer to their next report instead.
public protocol RelayControl: Sendable {
    func end(session: String, relayID: String) async
}

/// What routes share: the configuration, the password hasher, the
/// server identity and ticket signer, agent presence. Handed to controllers at start-up (no
/// service locator).
public struct ControlPlaneContext: Sendable {
    public let configuration: ServerConfiguration
    public let hasher: BcryptHasher
    /// The key agents pin and relays trust.
    public let identity: ServerIdentity
    /// Signs session tickets with `identity`.
    public let tickets: TicketSigner
    /// This instance's id among those sharing the database.
    public let instanceID: String
    /// Agent control connections held by this instance.
    public let presence: AgentPresence
    /// The other instances sharing the PostgreSQL database, when there can be any.
    public let cluster: ClusterBus?
    /// Agents wherever their connection is, here or at another instance.
    public var agents: AgentDelivery { AgentDelivery(presence: presence, cluster: cluster) }
    /// The id of this instance's embedded relay.
    public var embeddedRelayID: String { RelayDirectory.embeddedID(instance: instanceID) }
    /// The embedded relay, when this server runs one.
    public let relayControl: (any RelayControl)?

    public init(
        configuration: ServerConfiguration, threadPool: NIOThreadPool, instanceID: String? = nil,
        presence: AgentPresence = AgentPresence(), cluster: ClusterBus? = nil,
        relayControl: (any RelayControl)? = nil
    ) async throws {
        self.instanceID = try instanceID ?? InstanceIdentity.resolve(configuration)
        self.configuration = configuration
        self.hasher = try BcryptHasher(cost: configuration.passwordCost, threadPool: threadPool)
        self.identity = try ServerIdentity.loadOrCreate(in: configuration.dataDirectory)
        self.tickets = await TicketSigner(privateKey: identity.privateKey)
        self.presence = presence
        self.cluster = cluster
        self.relayControl = relayControl
    }

    /// Login sessions over `database`.
    public func sessions(on database: any Database) -> LoginSessions {
        LoginSessions(
            database: database, hasher: hasher, policy: configuration.loginPolicy,
            lifetime: configuration.loginLifetime)
    }
}
