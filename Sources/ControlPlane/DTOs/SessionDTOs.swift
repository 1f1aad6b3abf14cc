import Fluent
import Foundation
import TsunaguCore
import Vapor

/// `POST /api/v1/sessions` body.
struct CreateSessionRequest: Content {
    var device: String
    var password: String
    /// `desktop` (default), `files`, `terminal`.
    var channel: SessionChannel?
}

/// `POST /api/v1/sessions/{id}/channels` body.
struct OpenChannelRequest: Content {
    var channel: SessionChannel
}

/// `POST /api/v1/sessions` and `…/channels` answer: go to `relayUrl` and show `ticket` first.
struct CreatedSessionDTO: Content {
    var sessionId: UUID
    /// The channel connection the ticket opens.
    var channelId: UUID
    var channel: SessionChannel
    var relayUrl: String
    var ticket: String
    var expiresAt: Date
    /// The customer must accept first; show "waiting for the customer".
    var attended: Bool

    init(_ requested: SessionBroker.Requested) throws {
        sessionId = try requested.session.requireID()
        channelId = try requested.connection.requireID()
        channel = requested.connection.channel
        relayUrl = requested.relayURL
        ticket = requested.ticket
        expiresAt = requested.expiresAt
        attended = requested.attended
    }
}

/// A session's state (`GET /api/v1/sessions/{id}`, `DELETE` answer), with its channels.
struct SessionDTO: Content {
    var sessionId: UUID
    var device: String
    var `operator`: String
    /// The channel it was opened with.
    var channel: SessionChannel
    var relay: String
    /// `offered`, `active`, `ending`, `ended`.
    var status: String
    var requestedAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var endReason: SessionEndReason?
    var bytesFromOperator: Int64
    var bytesFromAgent: Int64
    var channels: [ChannelDTO]

    /// One channel connection of the session.
    struct ChannelDTO: Content {
        var channelId: UUID
        var channel: SessionChannel
        var status: ChannelConnection.Status
        var requestedAt: Date
        var startedAt: Date?
        var endedAt: Date?
        var endReason: SessionEndReason?
        var bytesFromOperator: Int64
        var bytesFromAgent: Int64
    }

    init(_ s: RemoteSession, on db: any Database) async throws {
        sessionId = try s.requireID()
        device = s.deviceName
        self.operator = s.operatorLogin
        channel = s.channel
        relay = s.relayID
        // "ending": someone ended it and the relay's final report is not in yet.
        status = s.endRequested && s.status != .ended ? "ending" : s.status.rawValue
        requestedAt = s.requestedAt
        startedAt = s.startedAt
        endedAt = s.endedAt
        endReason = s.endReason
        bytesFromOperator = s.bytesFromOperator
        bytesFromAgent = s.bytesFromAgent
        channels = try await ChannelConnection.query(on: db)
            .filter(\.$session.$id == sessionId).sort(\.$requestedAt).all()
            .map {
                ChannelDTO(
                    channelId: try $0.requireID(), channel: $0.channel, status: $0.status,
                    requestedAt: $0.requestedAt, startedAt: $0.startedAt, endedAt: $0.endedAt,
                    endReason: $0.endReason, bytesFromOperator: $0.bytesFromOperator,
                    bytesFromAgent: $0.bytesFromAgent)
            }
    }
}

/// One connection-log record as the API shows it.
struct ConnectionRecordDTO: Content {
    var seq: Int64
    var sessionId: UUID
    var `operator`: String
    var device: String
    var channel: SessionChannel
    var relay: String
    var requestedAt: Date
    var startedAt: Date?
    var endedAt: Date
    var bytesFromOperator: Int64
    var bytesFromAgent: Int64
    var operatorAddress: String?
    var agentAddress: String?
    var endReason: String
    /// Each channel with its bytes (empty for records from before channels).
    var channels: [ChannelUsage]
    var hash: String

    init(_ r: ConnectionRecord) {
        seq = r.seq
        sessionId = r.sessionID
        self.operator = r.operatorLogin
        device = r.deviceName
        channel = r.channel
        relay = r.relayID
        requestedAt = r.requestedAt
        startedAt = r.startedAt
        endedAt = r.endedAt
        bytesFromOperator = r.bytesFromOperator
        bytesFromAgent = r.bytesFromAgent
        operatorAddress = r.operatorAddress
        agentAddress = r.agentAddress
        endReason = r.endReason
        channels = ChannelUsage.list(in: r)
        hash = r.hash
    }
}
