import Fluent
import Foundation

/// A customer's machine with an agent, reached by its connection name within one tenant.
public final class Device: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "devices"

    /// Whether the customer must accept each session.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// The customer is asked and must accept.
        case attended
        /// Sessions start without asking (servers, kiosks).
        case unattended
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Field(key: "connection_name") public var connectionName: String
    @Field(key: "connection_password_hash") public var connectionPasswordHash: String
    @OptionalField(key: "public_key") public var publicKey: String?
    @Field(key: "mode") public var mode: Mode
    @OptionalField(key: "os_name") public var osName: String?
    @OptionalField(key: "os_version") public var osVersion: String?
    @OptionalField(key: "hostname") public var hostname: String?
    @OptionalField(key: "agent_version") public var agentVersion: String?
    /// True while an agent control connection is open (set by the instance holding it).
    @Field(key: "connected") public var connected: Bool
    /// The server instance holding that connection (see `ServerConfiguration.instanceID`).
    @OptionalField(key: "control_instance") public var controlInstance: String?
    @OptionalField(key: "last_seen_at") public var lastSeenAt: Date?
    /// Wrong connection passwords since the last right one.
    @Field(key: "password_failures") public var passwordFailures: Int
    /// While set and in the future, connection attempts are refused unchecked.
    @OptionalField(key: "password_locked_until") public var passwordLockedUntil: Date?
    /// Until then, an agent with an enrollment token may enroll under this name again (a
    /// reinstall); otherwise the name is never taken over. Set by a tenant admin.
    @OptionalField(key: "reenroll_allowed_until") public var reenrollAllowedUntil: Date?
    /// The run of the agent process holding the control connection: two machines with one
    /// device key (a cloned image) have different runs.
    @OptionalField(key: "agent_run_id") public var agentRunID: String?
    /// When a second machine last showed this device's key while the first was online.
    @OptionalField(key: "key_conflict_at") public var keyConflictAt: Date?
    /// The address that second machine came from.
    @OptionalField(key: "key_conflict_address") public var keyConflictAddress: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(
        tenantID: UUID, connectionName: String, connectionPasswordHash: String, publicKey: String?,
        mode: Mode
    ) {
        self.$tenant.id = tenantID
        self.connectionName = connectionName
        self.connectionPasswordHash = connectionPasswordHash
        self.publicKey = publicKey
        self.mode = mode
        self.connected = false
        self.passwordFailures = 0
    }

    /// Online means connected and heard from within `window` (heartbeats come every few
    /// seconds, so a silent minute means the agent is gone even if its socket was not closed).
    public func isOnline(at now: Date = Date(), window: TimeInterval = 60) -> Bool {
        guard connected, let seen = lastSeenAt else { return false }
        return now.timeIntervalSince(seen) <= window
    }
}
