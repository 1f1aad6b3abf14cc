import Logging
import NIOCore
import RFB

/// One viewer's connection (TigerVNC's `VNCSConnectionST`): runs the ``ServerSession``
/// over the channel, keeps what the viewer has not seen yet, and sends updates when the
/// viewer asked (FramebufferUpdateRequest or Continuous Updates) and the previous update
/// has been flushed — a slow viewer gets fewer, larger updates instead of a growing queue.
final class ViewerConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let desktop: SharedDesktop
    var logger: Logger
    var session: ServerSession
    var encoder = UpdateEncoder()
    var context: ChannelHandlerContext?
    let id: Int

    /// Bytes that arrived before the handshake could start (no frame size known yet).
    var early: [UInt8] = []
    var started = false
    var closed = false

    // What the viewer has not seen, and of what.
    var frame: Framebuffer?
    var damage = DamageRegion(width: 0, height: 0)
    var sentSize: (width: Int, height: Int)?

    // What the viewer asked for.
    var updateRequested = false
    var requestedArea = Rect(x: 0, y: 0, width: 0, height: 0)
    var continuousArea: Rect?
    var wantsFrames = false

    // Flow control: one update on the wire at a time.
    var updateInFlight = false
    var updatesSent = 0

    // Pseudo-encodings to send with the next update.
    var pendingResize = false
    var pendingDesktopSizeReply = false
    var pendingExtendedDesktopSizeAck = false
    var pendingQEMUAck = false
    var pendingCursor: CursorImage?
    var latestCursor: CursorImage?
    var announced: Set<Int32> = []

    // Clipboard.
    var latestClipboard: String?
    var clientClipboardActions: ExtendedClipboard.Actions = []

    init(desktop: SharedDesktop, configuration: ServerSession.Configuration, logger: Logger) {
        self.desktop = desktop
        self.session = ServerSession(configuration: configuration)
        self.logger = logger
        self.id = Int.random(in: 1...Int.max)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { register(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context: context)
        context.fireChannelActive()
    }

    private var registered = false

    private func register(context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "viewer"] = "\(remote)"
        }
        logger.info("viewer connected")
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        desktop.addViewer(id: id) { update in
            loop.execute { bound.value.desktopDidUpdate(update) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        desktop.removeViewer(id: id)
        logger.info("viewer disconnected", metadata: ["updates": "\(updatesSent)"])
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        desktop.removeViewer(id: id)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard started else {
            early += bytes
            return
        }
        perform(session.receive(bytes))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        sendUpdateIfPossible()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("viewer connection error", metadata: ["error": "\(error)"])
        close(reason: "\(error)")
    }

    /// Performs the session's actions.
    func perform(_ actions: [ServerSession.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                write(bytes)
            case .initialised(let shared):
                logger.info(
                    "viewer initialised",
                    metadata: ["shared": "\(shared)", "version": "3.\(session.minorVersion ?? 0)"])
            case .message(let message):
                handle(message)
            case .passthrough:
                break
            case .close(let reason):
                close(reason: reason)
                return
            }
        }
    }

    func write(_ bytes: [UInt8], promise: EventLoopPromise<Void>? = nil) {
        guard let context, !closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    /// Closes this viewer only, after what was written (a SecurityResult's reason) is sent.
    func close(reason: String) {
        guard !closed, let context else { return }
        closed = true
        logger.warning("closing viewer connection", metadata: ["reason": "\(reason)"])
        context.channel.close(promise: nil)
    }

    /// A change on the desktop, already on this channel's loop.
    func desktopDidUpdate(_ update: DesktopUpdate) {
        guard !closed else { return }
        frame = update.frame
        if update.resized || sentSize == nil {
            damage.reset(width: update.frame.width, height: update.frame.height)
            if let size = sentSize, size != (update.frame.width, update.frame.height) {
                pendingResize = true
            }
        }
        for rect in update.damage { damage.add(rect) }
        if let cursor = update.cursor {
            latestCursor = cursor
            pendingCursor = cursor
        }
        if let text = update.clipboard { clipboardDidChange(text) }
        if !started {
            started = true
            session.configuration.width = update.frame.width
            session.configuration.height = update.frame.height
            sentSize = (update.frame.width, update.frame.height)
            perform(session.start())
            if !early.isEmpty {
                let bytes = early
                early = []
                perform(session.receive(bytes))
            }
        }
        sendUpdateIfPossible()
    }
}
