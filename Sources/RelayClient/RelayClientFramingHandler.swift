import NIOCore
import NIOWebSocket
import TsunaguCore

/// The client's end of a relay WebSocket: sends the ticket, waits for `paired`, then turns
/// binary frames into plain bytes both ways so RFB can run above it unchanged.
///
/// Bytes that arrive after pairing are held until the caller has put its own handlers
/// behind this one and sends ``StartForwarding`` (``RelayDialer/startForwarding(_:)``):
/// the peer may speak first (an RFB server does), and nothing it says may be lost.
final class RelayClientFramingHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    /// Why joining failed.
    public enum JoinError: Error, Equatable, CustomStringConvertible {
        case refused(String)
        case closedBeforePairing

        public var description: String {
            switch self {
            case .refused(let text): "the relay refused: \(text)"
            case .closedBeforePairing: "the relay closed before the operator arrived"
            }
        }
    }

    private enum State {
        case awaitingPaired(EventLoopPromise<Void>)
        case paired
        case closed
    }

    /// The outbound user event that releases the bytes held since pairing.
    struct StartForwarding: Sendable {}

    /// Largest payload per frame sent: well under any relay's frame limit (1 MiB).
    static let maxFramePayload = 64 * 1024

    private var state: State
    private let ticket: String
    private var held: [ByteBuffer] = []
    private var forwarding = false

    init(ticket: String, paired: EventLoopPromise<Void>) {
        self.ticket = ticket
        self.state = .awaitingPaired(paired)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: ticket.utf8.count)
        buffer.writeString(ticket)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch (state, frame.opcode) {
        case (.paired, .binary), (.paired, .continuation):
            if forwarding {
                context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
            } else {
                held.append(frame.unmaskedData)
            }
        case (.awaitingPaired(let promise), .text):
            let text = String(buffer: frame.unmaskedData)
            if text == RelayHandshake.pairedJSON {
                state = .paired
                promise.succeed()
            } else if text != RelayHandshake.waitingJSON {
                state = .closed
                promise.fail(JoinError.refused(text))
                context.close(promise: nil)
            }
        case (_, .ping):
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case (_, .connectionClose):
            context.close(promise: nil)
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Client frames must be masked (RFC 6455 §5.3), and a 4 MB screen update must not
        // become one 4 MB frame: relays refuse frames over their limit.
        var buffer = unwrapOutboundIn(data)
        while buffer.readableBytes > Self.maxFramePayload {
            let part = buffer.readSlice(length: Self.maxFramePayload)!
            let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: part)
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: buffer)
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is StartForwarding else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        forwarding = true
        let pending = held
        held = []
        for buffer in pending { context.fireChannelRead(wrapInboundOut(buffer)) }
        if !pending.isEmpty { context.fireChannelReadComplete() }
        promise?.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .awaitingPaired(let promise) = state { promise.fail(JoinError.closedBeforePairing) }
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .awaitingPaired(let promise) = state { promise.fail(error) }
        state = .closed
        context.close(promise: nil)
    }
}
