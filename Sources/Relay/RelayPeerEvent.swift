/// What a transport's framing handler tells the peer handler (inbound user events).
enum RelayPeerInbound: Sendable, Equatable {
    /// The peer presented this ticket text.
    case ticket(String)
    /// The peer's first words were not a valid greeting.
    case invalidGreeting
    /// The peer broke its transport's framing; the transport is closing the connection.
    case protocolError
}

/// What the peer handler asks the transport's framing handler to say (outbound user events):
/// `WAITING` / `{"status":"waiting"}` and so on, in the transport's own form.
enum RelayPeerStatus: Sendable, Equatable {
    case waiting
    case paired
    case refused(RelayRefusal)
}
