import NIOCore
import TsunaguCore

/// One connection at the relay, whatever its transport: takes the ticket from the transport's
/// framing handler, has it verified, waits for or joins its partner, then copies payload to
/// the partner (see `RelayPeerHandler+Splice.swift`). Never looks inside the payload.
final class RelayPeerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How a transport finishes sending before it closes.
    enum Transport {
        /// Raw TCP (or TLS): the queued bytes are the last words.
        case tcp
        /// WebSocket: the framing handler sends a close frame after the queued bytes.
        case webSocket
    }

    enum Stage: Equatable {
        case awaitingTicket
        case admitting
        case waiting
        case paired
        case closed
    }

    let relay: Relay
    let transport: Transport
    /// This connection's place among its address's connections without a valid ticket;
    /// given back when the ticket verifies (the channel's close gives it back otherwise).
    private let pass: RelayAddressPass?
    var stage = Stage.awaitingTicket
    var context: ChannelHandlerContext?
    var link: RelayPeerLink?
    /// Why this end is being closed by the relay, when it is; otherwise its own close.
    var endReason: SessionEndReason?
    private var timer: Scheduled<Void>?

    // The splice's state, used by the extension.
    var pair: RelayPair?
    var partner: RelayPeerLink?
    /// The partner's handler when it lives on the same event loop: bytes go straight to it.
    var partnerHandler: RelayPeerHandler?
    var partnerGone = false
    /// Payload that came before the partner did.
    var early: [ByteBuffer] = []
    var earlyBytes = 0
    /// Payload read in this read batch for a partner on another event loop.
    var batch: [ByteBuffer] = []
    var batchBytes = 0
    /// Bytes handed to the partner's event loop but not yet written there, when it is another
    /// loop than ours.
    var window: RelayCrossLoopWindow?
    var unrecordedBytes = 0
    /// A `read()` held back until the partner can take more.
    var pendingRead = false

    init(relay: Relay, transport: Transport, pass: RelayAddressPass? = nil) {
        self.relay = relay
        self.transport = transport
        self.pass = pass
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let timeout = relay.configuration.handshakeTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard self.stage == .awaitingTicket else { return }
            self.refuse(.handshakeTimeout)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasAdmitted = link != nil && stage != .closed
        stage = .closed
        timer?.cancel()
        timer = nil
        partnerHandler = nil
        early = []
        batch = []
        if let link {
            link.handler.value = nil
            if wasAdmitted {
                relay.depart(link, reason: endReason ?? .closed(by: link.role))
            }
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? RelayPeerInbound else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch event {
        case .protocolError:
            if endReason == nil { endReason = .error }
        case .invalidGreeting:
            guard stage == .awaitingTicket else { return }
            refuse(.badGreeting)
        case .ticket(let text):
            guard stage == .awaitingTicket else { return }
            stage = .admitting
            timer?.cancel()
            timer = nil
            relay.verify(text, on: context.eventLoop).assumeIsolated().whenComplete {
                self.admitted($0)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if endReason == nil { endReason = .error }
        context.close(promise: nil)
    }

    // MARK: - Pairing

    private func admitted(_ result: Result<SessionTicket, Error>) {
        guard stage == .admitting, let context else { return }
        let ticket: SessionTicket
        switch result {
        case .failure(let error as TicketVerifier.Refusal):
            return refuse(RelayRefusal(error))
        case .failure:
            return refuse(RelayRefusal(.malformed))
        case .success(let admitted):
            ticket = admitted
        }
        pass?.release()
        let address = context.channel.remoteAddress.map(Self.describe)
        let link = RelayPeerLink(
            handler: self, channel: context.channel, ticket: ticket, address: address)
        switch relay.arrive(link) {
        case .refuse(let refusal):
            refuse(refusal)
        case .wait:
            self.link = link
            stage = .waiting
            context.triggerUserOutboundEvent(RelayPeerStatus.waiting, promise: nil)
            let timeout = relay.configuration.peerTimeout
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.peerTimedOut()
            }
        case .paired(let pair, let waiting):
            self.link = link
            // The waiting end hears PAIRED before any payload: on the same loop it is set up
            // first; on another loop its set-up task is queued before any of our bytes.
            if waiting.eventLoop === context.eventLoop {
                let other = waiting.handler.value
                other?.becomePaired(pair, partner: link)
                becomePaired(pair, partner: waiting)
                other?.startSplice()
                startSplice()
            } else {
                waiting.perform {
                    $0.becomePaired(pair, partner: link)
                    $0.startSplice()
                }
                becomePaired(pair, partner: waiting)
                startSplice()
            }
        }
    }

    private func peerTimedOut() {
        guard stage == .waiting, let link, relay.expire(link) else { return }
        endReason = .peerTimeout
        refuse(.peerTimeout)
    }

    /// The relay ends this connection for `reason` (server request, idle, shutdown).
    func end(_ reason: SessionEndReason, refusal: RelayRefusal?) {
        guard stage != .closed, let context else { return }
        if endReason == nil { endReason = reason }
        if stage == .paired || refusal == nil {
            context.close(promise: nil)
        } else {
            refuse(refusal!)
        }
    }

    /// Says why, then closes (in time even if the peer reads nothing).
    func refuse(_ refusal: RelayRefusal) {
        guard let context, stage != .closed else { return }
        if stage != .waiting { stage = .closed }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.triggerUserOutboundEvent(RelayPeerStatus.refused(refusal), promise: written)
        closeAfter(written.futureResult, context: context)
    }

    /// The partner left: deliver what is queued for this end, then close.
    func partnerClosed() {
        partnerGone = true
        partnerHandler = nil
        guard let context, stage != .closed else { return }
        switch transport {
        case .webSocket:
            // The framing handler queues a close frame behind the payload and waits for it.
            context.close(promise: nil)
        case .tcp:
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: written)
            closeAfter(written.futureResult, context: context)
        }
    }

    private func closeAfter(_ future: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(
            in: relay.configuration.drainTimeout
        ) { context.close(promise: nil) }
        future.assumeIsolated().whenComplete { _ in
            deadline.cancel()
            context.close(promise: nil)
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
