import Foundation

/// What a relay tells the control plane every 5 s (`POST /api/v1/relays/report`, with
/// `Authorization: Bearer RELAY_KEY`): its load, and the sessions that ended since the last
/// report. The embedded relay feeds the same values in-process.
public struct RelayReport: Codable, Sendable, Equatable {
    /// Sessions (paired channels) open now.
    public var sessions: Int
    /// Ends waiting for their peer now.
    public var waiting: Int
    /// Payload bytes per second relayed over the last interval, both directions.
    public var bytesPerSecond: Double
    /// Process CPU use over the last interval, 0–1 per core.
    public var cpu: Double
    /// Channels that ended since the last report.
    public var ended: [RelaySessionEnd]
    /// Sessions with at least one paired channel now (so the server knows they started).
    public var activeSessions: [String]
    /// Bytes each open session has carried so far, so that a session whose server dies keeps
    /// what flowed (nil from relays that predate it).
    public var progress: [RelaySessionProgress]?

    public init(
        sessions: Int, waiting: Int, bytesPerSecond: Double, cpu: Double,
        ended: [RelaySessionEnd] = [], activeSessions: [String] = [],
        progress: [RelaySessionProgress]? = nil
    ) {
        self.sessions = sessions
        self.waiting = waiting
        self.bytesPerSecond = bytesPerSecond
        self.cpu = cpu
        self.ended = ended
        self.activeSessions = activeSessions
        self.progress = progress
    }
}

/// What one open session has carried so far, over all its paired channels.
public struct RelaySessionProgress: Codable, Sendable, Equatable {
    public var session: String
    /// Payload bytes from the operator to the agent.
    public var bytesFromOperator: Int64
    /// Payload bytes from the agent to the operator.
    public var bytesFromAgent: Int64

    public init(session: String, bytesFromOperator: Int64, bytesFromAgent: Int64) {
        self.session = session
        self.bytesFromOperator = bytesFromOperator
        self.bytesFromAgent = bytesFromAgent
    }
}

/// One channel of a session that the relay closed, with what it carried.
public struct RelaySessionEnd: Codable, Sendable, Equatable {
    public var session: String
    public var channel: String
    public var pairedAt: Date?
    public var endedAt: Date
    /// Payload bytes from the operator to the agent.
    public var bytesFromOperator: Int64
    /// Payload bytes from the agent to the operator.
    public var bytesFromAgent: Int64
    public var operatorAddress: String?
    public var agentAddress: String?
    /// `operator_closed`, `agent_closed`, `idle_timeout`, `peer_timeout`, `relay_shutdown`,
    /// `ended_by_server`, `error`.
    public var reason: String

    public init(
        session: String, channel: String, pairedAt: Date?, endedAt: Date, bytesFromOperator: Int64,
        bytesFromAgent: Int64, operatorAddress: String?, agentAddress: String?, reason: String
    ) {
        self.session = session
        self.channel = channel
        self.pairedAt = pairedAt
        self.endedAt = endedAt
        self.bytesFromOperator = bytesFromOperator
        self.bytesFromAgent = bytesFromAgent
        self.operatorAddress = operatorAddress
        self.agentAddress = agentAddress
        self.reason = reason
    }
}

/// The control plane's answer to a report.
public struct RelayReportAnswer: Codable, Sendable, Equatable {
    /// The relay's id, as tickets name it (`rid`).
    public var relayID: String
    /// The control plane's Ed25519 public key (`ed25519:BASE64`) that signs tickets.
    public var serverKey: String
    /// Sessions the control plane ended (operator or admin pressed "end"): close them.
    public var endSessions: [String]

    public init(relayID: String, serverKey: String, endSessions: [String] = []) {
        self.relayID = relayID
        self.serverKey = serverKey
        self.endSessions = endSessions
    }
}
