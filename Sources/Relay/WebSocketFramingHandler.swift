import NIOCore
import NIOWebSocket
import TsunaguCore

/// The WebSocket transport: the first text message is the ticket, binary messages carry
/// payload both ways, status goes out as JSON text frames; answers pings and the closing
/// handshake.
///
/// Sits right above the socket (after the upgrade). What comes in is read by
/// ``WebSocketStreamDecoder`` as it arrives, so payload reaches ``RelayPeerHandler`` without
/// waiting for the rest of its frame; what goes out is framed by ``WebSocketServerFrame``.
final class WebSocketFramingHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let drainTimeout: TimeAmount
    private let maxOutboundFrameSize: Int
    private var decoder: WebSocketStreamDecoder
    private var gotTicket = false
    private var sentClose = false
    /// The peer broke the framing: nothing more it sends is read.
    private var failed = false

    init(drainTimeout: TimeAmount, maxFrameSize: Int, maxOutboundFrameSize: Int) {
        self.drainTimeout = drainTimeout
        self.maxOutboundFrameSize = maxOutboundFrameSize
        self.decoder = WebSocketStreamDecoder(maxFrameSize: maxFrameSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        do {
            while let event = try decoder.next(from: &input) {
                handle(event, context: context)
                if failed { return }
            }
        } catch let failure as WebSocketStreamDecoder.Failure {
            failed = true
            context.fireUserInboundEventTriggered(RelayPeerInbound.protocolError)
            closeWithFrame(context: context, code: failure.closeCode, promise: nil)
        } catch {
            context.fireErrorCaught(error)
        }
    }

    private func handle(_ event: WebSocketStreamDecoder.Event, context: ChannelHandlerContext) {
        switch event {
        case .binary(let payload):
            guard gotTicket else {
                gotTicket = true
                context.fireUserInboundEventTriggered(RelayPeerInbound.invalidGreeting)
                return
            }
            context.fireChannelRead(wrapInboundOut(payload))
        case .text(let text):
            guard !gotTicket else {
                // Payload is binary only; a text message later is a confused peer.
                failed = true
                closeWithFrame(context: context, code: .unacceptableData, promise: nil)
                return
            }
            gotTicket = true
            context.fireUserInboundEventTriggered(RelayPeerInbound.ticket(String(buffer: text)))
        case .ping(let data):
            send(WebSocketServerFrame.pong, data, context: context, promise: nil)
            context.flush()
        case .pong:
            break
        case .close(var data):
            failed = true
            if sentClose {
                context.close(promise: nil)
            } else {
                // Echo the peer's close code, then close.
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                closeWithFrame(context: context, code: code, promise: nil)
            }
        }
    }

    /// Payload goes out as binary frames no larger than the limit (slices, not copies), so
    /// that clients with a frame limit accept them (browsers have none, our `RelayClient`
    /// takes 1 MiB; NIO and WebSocketKit clients default to 16 KiB and must raise it or set
    /// `maxOutboundFrameSize` to match).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var payload = unwrapOutboundIn(data)
        while payload.readableBytes > maxOutboundFrameSize {
            let part = payload.readSlice(length: maxOutboundFrameSize)!
            send(WebSocketServerFrame.binary, part, context: context, promise: nil)
        }
        send(WebSocketServerFrame.binary, payload, context: context, promise: promise)
    }

    /// Writes one frame (not flushed).
    private func send(
        _ opcode: UInt8, _ payload: ByteBuffer, context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>?
    ) {
        let (head, body) = WebSocketServerFrame.encode(
            opcode: opcode, payload: payload, allocator: context.channel.allocator)
        guard let body else {
            context.write(wrapOutboundOut(head), promise: promise)
            return
        }
        context.write(wrapOutboundOut(head), promise: nil)
        context.write(wrapOutboundOut(body), promise: promise)
    }

    func triggerUserOutboundEvent(
        context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?
    ) {
        guard let status = event as? RelayPeerStatus else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        let text: String
        switch status {
        case .waiting: text = RelayHandshake.waitingJSON
        case .paired: text = RelayHandshake.pairedJSON
        case .refused(let refusal):
            text = RelayHandshake.errorJSON(code: refusal.code, message: refusal.message)
        }
        send(
            WebSocketServerFrame.text, context.channel.allocator.buffer(string: text),
            context: context, promise: promise)
        context.flush()
    }

    /// Closing says goodbye with a close frame first, after the payload already queued.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !sentClose, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        closeWithFrame(context: context, code: .normalClosure, promise: promise)
    }

    private func closeWithFrame(
        context: ChannelHandlerContext, code: WebSocketErrorCode, promise: EventLoopPromise<Void>?
    ) {
        guard !sentClose else {
            context.close(promise: promise)
            return
        }
        sentClose = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let written = context.eventLoop.makePromise(of: Void.self)
        send(WebSocketServerFrame.close, data, context: context, promise: written)
        context.flush()
        // A peer that reads nothing would never let the frame out: close anyway in time.
        let loop = context.eventLoop.assumeIsolated()
        let deadline = loop.scheduleTask(in: drainTimeout) {
            context.close(promise: nil)
        }
        written.futureResult.assumeIsolated().whenComplete { _ in
            deadline.cancel()
            context.close(promise: promise)
        }
    }
}
