/// Why a relay channel ended; the raw value is the reason the connection log records.
public enum RelayEndReason: String, Sendable, CaseIterable {
    /// The operator's end closed its connection.
    case operatorClosed = "operator_closed"
    /// The agent's end closed its connection.
    case agentClosed = "agent_closed"
    /// No byte flowed either way for the configured idle time.
    case idleTimeout = "idle_timeout"
    /// The first end waited for its peer longer than allowed.
    case peerTimeout = "peer_timeout"
    /// The relay was shutting down.
    case relayShutdown = "relay_shutdown"
    /// The control plane asked the relay to end the session.
    case endedByServer = "ended_by_server"
    /// A transport or protocol error ended it.
    case error = "error"

    /// The reason when the end with `role` closed first.
    static func closed(by role: SessionTicketRole) -> RelayEndReason {
        role == .operator ? .operatorClosed : .agentClosed
    }
}
