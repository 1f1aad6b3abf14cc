import NIOConcurrencyHelpers
import NIOCore
import TsunaguCore

/// One admitted end as the rest of the relay sees it: its channel, what its ticket said, and
/// a way to reach its handler on the handler's own event loop.
final class RelayPeerLink: Sendable {
    let channel: Channel
    let role: SessionTicketRole
    let key: PairingTable<RelayPeerLink, RelayPair>.Key
    let address: String?
    /// The handler, readable only on `channel.eventLoop`; emptied when the channel closes.
    let handler: NIOLoopBoundBox<RelayPeerHandler?>
    /// The pair this end joined. Written under the relay's table lock, so that a departing
    /// end and an arriving partner agree on whether the pairing happened.
    private let joined = NIOLockedValueBox<RelayPair?>(nil)

    /// Made on the handler's event loop.
    init(handler: RelayPeerHandler, channel: Channel, ticket: SessionTicket, address: String?) {
        self.channel = channel
        self.role = ticket.role
        self.key = .init(
            session: ticket.session, connection: ticket.connectionKey, channel: ticket.channel)
        self.address = address
        self.handler = NIOLoopBoundBox(handler, eventLoop: channel.eventLoop)
    }

    var eventLoop: EventLoop { channel.eventLoop }

    var pair: RelayPair? {
        get { joined.withLockedValue { $0 } }
        set { joined.withLockedValue { $0 = newValue } }
    }

    /// Runs `body` with the handler on its event loop (at once when already there); does
    /// nothing when the channel has closed meanwhile.
    func perform(_ body: @escaping @Sendable (RelayPeerHandler) -> Void) {
        if eventLoop.inEventLoop {
            if let handler = handler.value { body(handler) }
        } else {
            eventLoop.execute {
                if let handler = self.handler.value { body(handler) }
            }
        }
    }
}
