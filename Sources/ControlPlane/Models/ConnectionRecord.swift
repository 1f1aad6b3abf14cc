import Fluent
import Foundation
import TsunaguCore

/// One line of a company's connection log: append-only, one per ended session, chained to
/// the previous record of the same company by hash so that an edited or deleted record shows.
public final class ConnectionRecord: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "connection_log"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    /// 1, 2, 3… within the company; unique, so two writers cannot both append record n.
    @Field(key: "seq") public var seq: Int64
    @Field(key: "session_id") public var sessionID: UUID
    @Field(key: "operator_login") public var operatorLogin: String
    @Field(key: "device_name") public var deviceName: String
    /// The session's first channel.
    @Field(key: "channel") public var channel: SessionChannel
    @Field(key: "relay_id") public var relayID: String
    @Field(key: "requested_at") public var requestedAt: Date
    @OptionalField(key: "started_at") public var startedAt: Date?
    @Field(key: "ended_at") public var endedAt: Date
    @Field(key: "bytes_from_operator") public var bytesFromOperator: Int64
    @Field(key: "bytes_from_agent") public var bytesFromAgent: Int64
    @OptionalField(key: "operator_address") public var operatorAddress: String?
    @OptionalField(key: "agent_address") public var agentAddress: String?
    @Field(key: "end_reason") public var endReason: String
    /// The session's channels with what each carried (``ChannelUsage`` list as JSON); nil in
    /// records written before sessions held channels.
    @OptionalField(key: "channels") public var channels: String?
    @Field(key: "prev_hash") public var prevHash: String
    @Field(key: "hash") public var hash: String

    public init() {}
}
