import NIOCore
import NIOWebSocket
import TsunaguCore

/// The agent's end of a relay WebSocket: sends the ticket, waits for `paired`, then turns
/// binary frames into plain bytes both ways so RFB can run above it unchanged.
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

    private var state: State
    private let ticket: String

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
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
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
        // Client frames must be masked (RFC 6455 §5.3).
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: unwrapOutboundIn(data))
        context.write(wrapOutboundOut(frame), promise: promise)
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
