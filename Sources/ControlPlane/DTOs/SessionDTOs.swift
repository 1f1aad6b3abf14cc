import Foundation
import Vapor

/// `POST /api/v1/sessions` body.
struct CreateSessionRequest: Content {
    var device: String
    var password: String
    /// `desktop` (default).
    var channel: String?
}

/// `POST /api/v1/sessions` answer: go to `relayUrl` and show `ticket` first.
struct CreatedSessionDTO: Content {
    var sessionId: UUID
    var relayUrl: String
    var ticket: String
    var expiresAt: Date
    /// The customer must accept first; show "waiting for the customer".
    var attended: Bool
}

/// A session's state (`GET /api/v1/sessions/{id}`, `DELETE` answer).
struct SessionDTO: Content {
    var sessionId: UUID
    var device: String
    var `operator`: String
    var channel: String
    var relay: String
    var status: String
    var requestedAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var endReason: String?

    init(_ s: RemoteSession) throws {
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
    }
}

/// One connection-log record as the API shows it.
struct ConnectionRecordDTO: Content {
    var seq: Int64
    var sessionId: UUID
    var `operator`: String
    var device: String
    var channel: String
    var relay: String
    var requestedAt: Date
    var startedAt: Date?
    var endedAt: Date
    var bytesFromOperator: Int64
    var bytesFromAgent: Int64
    var operatorAddress: String?
    var agentAddress: String?
    var endReason: String
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
        hash = r.hash
    }
}
