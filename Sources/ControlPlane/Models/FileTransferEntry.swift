import Fluent
import Foundation
import TsunaguCore

/// One file transfer of a session, as its agent reported it: who, which device, which path,
/// how big, which way, the SHA-256 and how it ended. File contents never reach the server.
/// Append-only; the id is the agent's, so a record sent twice is kept once.
public final class FileTransferEntry: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "file_transfers"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "tenant_id") public var tenant: Tenant
    @Field(key: "session_id") public var sessionID: UUID
    @Field(key: "device_id") public var deviceID: UUID
    @Field(key: "device_name") public var deviceName: String
    /// From the session row, not from the agent's word.
    @Field(key: "operator_login") public var operatorLogin: String
    @Field(key: "direction") public var direction: ControlMessage.FileTransferRecord.Direction
    /// The absolute path on the device.
    @Field(key: "path") public var path: String
    @Field(key: "size") public var size: Int64
    @Field(key: "bytes_moved") public var bytesMoved: Int64
    @Field(key: "resumed_from") public var resumedFrom: Int64
    @OptionalField(key: "sha256") public var sha256: String?
    @Field(key: "outcome") public var outcome: ControlMessage.FileTransferRecord.Outcome
    /// The files protocol's error code for a failure.
    @OptionalField(key: "failure") public var failure: String?
    @OptionalField(key: "detail") public var detail: String?
    @Field(key: "ended_at") public var endedAt: Date
    @Field(key: "recorded_at") public var recordedAt: Date

    public init() {}
}
