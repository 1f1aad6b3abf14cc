import Foundation
import NIOCore

/// The raw TCP transport's handshake: reads the greeting line into a ticket event, and says
/// `WAITING` / `PAIRED` / `ERROR CODE MESSAGE` lines. Once paired it leaves the pipeline, so
/// payload bytes meet no handler of ours but the peer handler.
final class TCPFramingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = TCPGreetingParser()
    private var received: ByteBuffer?
    private var greeted = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !greeted else {
            context.fireChannelRead(data)
            return
        }
        var incoming = unwrapInboundIn(data)
        if received == nil {
            received = incoming
        } else {
            received!.writeBuffer(&incoming)
        }
        switch parser.parse(&received!) {
        case .needMoreData:
            return
        case .invalid:
            greeted = true
            received = nil
            context.fireUserInboundEventTriggered(RelayPeerInbound.invalidGreeting)
        case .ticket(let ticket):
            greeted = true
            let rest = received!
            received = nil
            context.fireUserInboundEventTriggered(RelayPeerInbound.ticket(ticket))
            if rest.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(rest))
            }
        }
    }

    func triggerUserOutboundEvent(
        context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?
    ) {
        guard let status = event as? RelayPeerStatus else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        let line: String
        switch status {
        case .waiting: line = "WAITING\n"
        case .paired: line = "PAIRED\n"
        case .refused(let refusal):
            let message = refusal.message.replacingOccurrences(of: "\n", with: " ")
            line = "ERROR \(refusal.code) \(message)\n"
        }
        context.writeAndFlush(
            wrapOutboundOut(context.channel.allocator.buffer(string: line)),
            promise: promise)
        if status == .paired {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
