import NIOCore

/// Closes a connection to the WebSocket listener that has not completed its HTTP request head
/// and WebSocket upgrade within the limit, counted from the accept.
///
/// Bytes that arrive meanwhile do not move the deadline: a client that trickles one header
/// byte at a time (slow-loris) is closed as surely as one that stopped half way. The listener
/// removes the handler when the upgrade completes; the ticket then has its own limit
/// (``RelayConfiguration/handshakeTimeout``).
final class UpgradeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
