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

/// What one open channel of a session has carried so far.
public struct RelaySessionProgress: Codable, Sendable, Equatable {
    public var session: String
    /// The channel's connection (``SessionTicket/connectionKey``); nil from older relays,
    /// which summed a session's channels.
    public var channelID: String?
    /// Payload bytes from the operator to the agent.
    public var bytesFromOperator: Int64
    /// Payload bytes from the agent to the operator.
    public var bytesFromAgent: Int64

    public init(
        session: String, channelID: String? = nil, bytesFromOperator: Int64, bytesFromAgent: Int64
    ) {
        self.session = session
        self.channelID = channelID
        self.bytesFromOperator = bytesFromOperator
        self.bytesFromAgent = bytesFromAgent
    }
}

/// One channel of a session that the relay closed, with what it carried.
public struct RelaySessionEnd: Codable, Sendable, Equatable {
    public var session: String
    public var channel: SessionChannel
    /// The channel's connection (``SessionTicket/connectionKey``).
    public var channelID: String?
    public var pairedAt: Date?
    public var endedAt: Date
    /// Payload bytes from the operator to the agent.
    public var bytesFromOperator: Int64
    /// Payload bytes from the agent to the operator.
    public var bytesFromAgent: Int64
    public var operatorAddress: String?
    public var agentAddress: String?
    /// One of the relay's reasons: `operator_closed`, `agent_closed`, `idle_timeout`,
    /// `peer_timeout`, `relay_shutdown`, `ended_by_server`, `error`.
    public var reason: SessionEndReason

    public init(
        session: String, channel: SessionChannel, channelID: String? = nil, pairedAt: Date?,
        endedAt: Date, bytesFromOperator: Int64, bytesFromAgent: Int64, operatorAddress: String?,
        agentAddress: String?, reason: SessionEndReason
    ) {
        self.session = session
        self.channel = channel
        self.channelID = channelID
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
