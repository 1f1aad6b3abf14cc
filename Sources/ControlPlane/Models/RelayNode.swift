import Fluent
import Foundation

/// A relay the control plane may send sessions to: the embedded one or an external
/// `tsunagu-relay` that reports its load with its relay key.
public final class RelayNode: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "relays"

    /// The relay id tickets name (`rid`), e.g. `relay-tokyo-1`; `embedded` for the built-in one.
    @ID(custom: "id", generatedBy: .user) public var id: String?
    /// SHA-256 of the relay key; nil for the embedded relay, which needs none.
    @OptionalField(key: "key_hash") public var keyHash: String?
    /// Where browsers and agents reach it: `wss://relay.example/relay/v1`.
    @Field(key: "url") public var url: String
    @OptionalField(key: "last_report_at") public var lastReportAt: Date?
    @Field(key: "sessions") public var sessions: Int
    @Field(key: "bytes_per_second") public var bytesPerSecond: Double
    @Field(key: "cpu") public var cpu: Double
    @Field(key: "enabled") public var enabled: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(id: String, keyHash: String?, url: String) {
        self.id = id
        self.keyHash = keyHash
        self.url = url
        self.sessions = 0
        self.bytesPerSecond = 0
        self.cpu = 0
        self.enabled = true
    }

    /// Heard from within `window` (15 s): only healthy relays get new sessions.
    public func isHealthy(at now: Date = Date(), window: TimeInterval = 15) -> Bool {
        guard enabled, let last = lastReportAt else { return false }
        return now.timeIntervalSince(last) <= window
    }

    /// A single number to compare relays by: sessions first, CPU and traffic as tie-breaks.
    public var load: Double { Double(sessions) + cpu * 10 + bytesPerSecond / 100_000_000 }
}
