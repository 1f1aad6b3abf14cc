import NIOCore
import TsunaguCore

/// What serves one kind of session channel on the agent (the desktop, files, a terminal):
/// asked first whether it can serve, then handed each paired relay connection of its kind.
protocol SessionChannelService: Sendable {
    /// The channel it serves.
    var channel: SessionChannel { get }

    /// Checked before the agent accepts an offer, so that an agent that cannot serve refuses
    /// cleanly instead of dialling the relay and failing: nil when ready, else why not.
    func refusal(for offer: ControlMessage.Offer) async -> SessionEndReason?

    /// Serves one paired relay connection until it closes. It installs its handlers and then
    /// lets the peer's bytes flow (``RelayDialer/startForwarding(_:)``).
    func serve(over connection: any Channel, offer: ControlMessage.Offer) async throws
}
