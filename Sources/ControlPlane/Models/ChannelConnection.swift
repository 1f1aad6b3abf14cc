import Fluent
import Foundation
import TsunaguCore

/// One relay connection of a session's channel: the desktop, a file copy, a terminal. A
/// session holds one or more; its id is the tickets' `cid`, so the relay pairs both ends by it
/// and reports its end and bytes by it.
public final class ChannelConnection: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "session_channels"

    /// Where a channel is in its life.
    public enum Status: String, Codable, Sendable {
        /// Offered to the agent; waiting for both ends at the relay.
        case offered
        /// Both ends met at the relay.
        case active
        /// Closed; its bytes are final.
        case ended
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "session_id") public var session: RemoteSession
    @Field(key: "channel") public var channel: SessionChannel
    @Field(key: "status") public var status: Status
    @Field(key: "requested_at") public var requestedAt: Date
    @OptionalField(key: "started_at") public var startedAt: Date?
    @OptionalField(key: "ended_at") public var endedAt: Date?
    @OptionalField(key: "end_reason") public var endReason: SessionEndReason?
    @Field(key: "bytes_from_operator") public var bytesFromOperator: Int64
    @Field(key: "bytes_from_agent") public var bytesFromAgent: Int64
    @OptionalField(key: "operator_address") public var operatorAddress: String?
    @OptionalField(key: "agent_address") public var agentAddress: String?

    public init() {}

    public init(id: UUID = UUID(), sessionID: UUID, channel: SessionChannel, at time: Date = Date())
    {
        self.id = id
        self.$session.id = sessionID
        self.channel = channel
        self.status = .offered
        self.requestedAt = time
        self.bytesFromOperator = 0
        self.bytesFromAgent = 0
    }

    /// What the relay pairs this connection's two ends by.
    public var connectionKey: String { id?.uuidString ?? channel.rawValue }
}
