/// Why a session, or one of its channels, ended: one closed set shared by the relay (which
/// closes channels), the server (which closes sessions) and the agent (which refuses offers).
/// The raw value is what the connection log records and the API shows.
public enum SessionEndReason: String, Codable, Sendable, CaseIterable, Hashable {
    // Said by the relay about one channel.
    /// The operator's end closed its connection.
    case operatorClosed = "operator_closed"
    /// The agent's end closed its connection.
    case agentClosed = "agent_closed"
    /// No byte flowed either way for the channel's idle time.
    case idleTimeout = "idle_timeout"
    /// The first end waited for its peer longer than allowed.
    case peerTimeout = "peer_timeout"
    /// The relay was shutting down.
    case relayShutdown = "relay_shutdown"
    /// The control plane asked the relay to end the session.
    case endedByServer = "ended_by_server"
    /// A transport or protocol error ended it.
    case error = "error"

    // Said by the server about a session.
    /// The operator (or a company admin) ended it.
    case endedByOperator = "ended_by_operator"
    /// The offer could not be delivered to the agent.
    case agentUnreachable = "agent_unreachable"
    /// Nobody reached the relay in time after the request.
    case notStarted = "not_started"
    /// The session's relay stopped reporting.
    case relayLost = "relay_lost"
    /// The server restarted while the session was open on its embedded relay.
    case serverRestart = "server_restart"

    // Said by the agent when it refuses an offer or ends a session.
    /// The customer said no.
    case declined
    /// The customer did not answer the consent prompt.
    case noAnswer = "no_answer"
    /// The customer ended the session from their window.
    case endedByCustomer = "ended_by_customer"
    /// The agent does not know this channel.
    case unsupportedChannel = "unsupported_channel"
    /// The agent was started with this channel turned off (`--no-files`, `--no-terminal`).
    case channelDisabled = "channel_disabled"
    /// The agent could not open what the channel serves (e.g. its VNC backend is down).
    case channelUnavailable = "channel_unavailable"
    /// The agent could not reach the relay.
    case relayUnreachable = "relay_unreachable"
    /// The agent was stopped (SIGTERM) and ended its sessions.
    case agentStopped = "agent_stopped"

    /// A reason this build does not know (a newer peer's), kept rather than refused.
    case unknown

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = Self(rawValue: text) ?? .unknown
    }
}
