import TsunaguCore

/// Short name for the role of a ticket holder.
typealias SessionTicketRole = SessionTicket.Role

/// Why the relay turned a connection away, sent to the peer before closing: the `code` goes
/// into `{"error":{"code":…}}` on WebSocket and `ERROR CODE MESSAGE` on TCP.
public struct RelayRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snake_case code the peer sees.
    public var code: String
    /// A human-readable explanation.
    public var message: String

    /// Creates a refusal.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// The refusal for a ticket the verifier rejected.
    public init(_ ticketRefusal: TicketVerifier.Refusal) {
        let message =
            switch ticketRefusal {
            case .malformed: "the ticket is not a session ticket"
            case .badSignature: "the ticket is not signed by the server"
            case .expired: "the ticket has expired"
            case .wrongRelay: "the ticket is for another relay"
            case .replayed: "the ticket was already used"
            }
        self.init(code: ticketRefusal.code, message: message)
    }

    /// An end with this role is already at the relay for this session channel.
    public static let roleTaken = RelayRefusal(
        code: "role_taken", message: "this end of the channel is already connected")
    /// The relay holds as many sessions as it may.
    public static let relayFull = RelayRefusal(
        code: "relay_full", message: "the relay is at its session limit")
    /// The peer did not come in time.
    public static let peerTimeout = RelayRefusal(
        code: "peer_timeout", message: "the other end did not connect in time")
    /// The first words were not a relay greeting.
    public static let badGreeting = RelayRefusal(
        code: "bad_greeting", message: "expected the relay greeting with a ticket")
    /// No ticket came in time.
    public static let handshakeTimeout = RelayRefusal(
        code: "handshake_timeout", message: "no ticket was presented in time")
    /// The control plane ended the session.
    public static let endedByServer = RelayRefusal(
        code: "ended_by_server", message: "the session was ended by the server")
    /// The relay is shutting down.
    public static let relayShutdown = RelayRefusal(
        code: "relay_shutdown", message: "the relay is shutting down")
}
