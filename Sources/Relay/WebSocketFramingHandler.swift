import NIOCore
import NIOWebSocket
import TsunaguCore

/// The WebSocket transport: the first text frame is the ticket, binary frames carry payload
/// both ways, status goes out as JSON text frames; answers pings and the closing handshake.
///
/// Sits above NIO's frame decoder and `NIOWebSocketFrameAggregator` (which reassembles
/// fragmented messages up to the frame size limit) and below ``RelayPeerHandler``.
final class WebSocketFramingHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private let drainTimeout: TimeAmount
    private let maxOutboundFrameSize: Int
    private var gotTicket = false
    private var sentClose = false

    init(drainTimeout: TimeAmount, maxOutboundFrameSize: Int) {
        self.drainTimeout = drainTimeout
        self.maxOutboundFrameSize = maxOutboundFrameSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            guard gotTicket else {
                gotTicket = true
                context.fireUserInboundEventTriggered(RelayPeerInbound.invalidGreeting)
                return
            }
            let payload = WebSocketUnmasking.unmaskedData(
                of: frame, allocator: context.channel.allocator)
            context.fireChannelRead(wrapInboundOut(payload))
        case .text:
            guard !gotTicket else {
                // Payload is binary only; a text frame later is a confused peer.
                closeWithFrame(context: context, code: .unacceptableData, promise: nil)
                return
            }
            gotTicket = true
            let text = String(buffer: frame.unmaskedData)
            context.fireUserInboundEventTriggered(RelayPeerInbound.ticket(text))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            if sentClose {
                context.close(promise: nil)
            } else {
                // Echo the peer's close code, then close.
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode() ?? .normalClosure
                closeWithFrame(context: context, code: code, promise: nil)
            }
        default:
            break
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
            let frame = WebSocketFrame(fin: true, opcode: .binary, data: part)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: payload)
        context.write(wrapOutboundOut(frame), promise: promise)
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
        let frame = WebSocketFrame(
            fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
        context.writeAndFlush(wrapOutboundOut(frame), promise: promise)
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
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(frame), promise: written)
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
