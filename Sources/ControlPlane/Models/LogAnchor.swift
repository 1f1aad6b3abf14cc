import Fluent
import Foundation

/// Where a company's connection-log chain starts after a purge: the last purged record's
/// sequence number and hash. Without it, deleting the oldest records would go unnoticed.
public final class LogAnchor: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "connection_log_anchors"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Field(key: "seq") public var seq: Int64
    @Field(key: "hash") public var hash: String
    @Field(key: "purged_at") public var purgedAt: Date

    public init() {}

    public init(tenantID: UUID, seq: Int64, hash: String, purgedAt: Date) {
        self.$tenant.id = tenantID
        self.seq = seq
        self.hash = hash
        self.purgedAt = purgedAt
    }
}
