import Fluent
import Foundation
import TsunaguCore

/// One operator's session with one device, from request to end: one authorisation (password,
/// consent) that holds channels (``ChannelConnection``). Written before the operator gets an
/// answer, so no session exists that the log does not know. Its bytes and addresses sum up
/// its channels'.
public final class RemoteSession: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "sessions"

    /// Where a session is in its life.
    public enum Status: String, Codable, Sendable {
        /// Offered to the agent; waiting for consent or for both ends at the relay.
        case offered
        /// Both ends met at the relay.
        case active
        /// Over; a connection-log record exists.
        case ended
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Parent(key: "operator_id") public var `operator`: Operator
    @Parent(key: "device_id") public var device: Device
    /// Names as they were when the session started (the log keeps them even after renames).
    @Field(key: "operator_login") public var operatorLogin: String
    @Field(key: "device_name") public var deviceName: String
    /// The channel it was opened with.
    @Field(key: "channel") public var channel: SessionChannel
    @Field(key: "relay_id") public var relayID: String
    @Field(key: "status") public var status: Status
    @Field(key: "requested_at") public var requestedAt: Date
    @OptionalField(key: "started_at") public var startedAt: Date?
    @OptionalField(key: "ended_at") public var endedAt: Date?
    @OptionalField(key: "end_reason") public var endReason: SessionEndReason?
    @Field(key: "bytes_from_operator") public var bytesFromOperator: Int64
    @Field(key: "bytes_from_agent") public var bytesFromAgent: Int64
    @OptionalField(key: "operator_address") public var operatorAddress: String?
    @OptionalField(key: "agent_address") public var agentAddress: String?
    /// The address the operator asked from (the API call), kept even if the relay never saw it.
    @OptionalField(key: "request_address") public var requestAddress: String?
    /// Set when an operator or admin ended it; the relay is told to close it.
    @Field(key: "end_requested") public var endRequested: Bool
    @OptionalField(key: "end_requested_at") public var endRequestedAt: Date?
    /// Why the end was asked for, when the agent asked (`agent_stopped`, `ended_by_customer`):
    /// the session's end reason, whatever the relay then says of its connections.
    @OptionalField(key: "end_request_reason") public var endRequestReason: SessionEndReason?

    public init() {}

    public init(
        tenantID: UUID, operatorID: UUID, deviceID: UUID, operatorLogin: String, deviceName: String,
        channel: SessionChannel, relayID: String, requestAddress: String?
    ) {
        self.$tenant.id = tenantID
        self.$operator.id = operatorID
        self.$device.id = deviceID
        self.operatorLogin = operatorLogin
        self.deviceName = deviceName
        self.channel = channel
        self.relayID = relayID
        self.status = .offered
        self.requestedAt = Date()
        self.bytesFromOperator = 0
        self.bytesFromAgent = 0
        self.requestAddress = requestAddress
        self.endRequested = false
    }
}
