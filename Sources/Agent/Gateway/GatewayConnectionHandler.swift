import Logging
import NIOCore
import NIOPosix
import RFB

/// One viewer bridged to an existing VNC server (`--vnc HOST:PORT`).
///
/// Why not splice bytes from the first one: the viewer must pass *our* authentication (the
/// agent's password), and the backend may want its own (or none). Relaying the backend's
/// handshake would hand its security choice to the viewer. So the gateway speaks the client
/// side of the handshake to the backend (``HandshakeClient``: None or VNC Authentication with
/// `--vnc-password-file`), then the server side to the viewer (``ServerSession`` in
/// handshake-only mode) announcing the backend's size, pixel format and name, and from then
/// on copies bytes both ways unchanged: after initialisation both ends speak the same RFB
/// stream, so nothing else needs rewriting (the backend's ClientInit was always "shared").
final class GatewayConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Waiting for the backend's handshake; viewer bytes are held.
        case connectingBackend(viewerBytes: [UInt8])
        /// Handshake with the viewer in progress.
        case handshaking(backendLeftover: [UInt8])
        /// Bytes are copied both ways.
        case spliced
        case closed
    }

    private let backendHost: String
    private let backendPort: Int
    private let backendPassword: String?
    private let security: ServerSession.Security
    private var logger: Logger
    private var state = State.connectingBackend(viewerBytes: [])
    private var handshake: HandshakeClient
    private var session: ServerSession?
    private var context: ChannelHandlerContext?
    private var backend: (any Channel)?

    init(
        backendHost: String, backendPort: Int, backendPassword: String?,
        security: ServerSession.Security, logger: Logger
    ) {
        self.backendHost = backendHost
        self.backendPort = backendPort
        self.backendPassword = backendPassword
        self.security = security
        self.logger = logger
        self.handshake = HandshakeClient(password: backendPassword)
    }

    /// Added to a channel that is already connected (a relay connection): start at once.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { channelActive(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        guard self.context == nil else { return }
        self.context = context
        if let remote = context.channel.remoteAddress {
            logger[metadataKey: "viewer"] = "\(remote)"
        }
        // Hold the viewer's bytes until the backend answered; read them again once spliced.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        GatewayBackendHandler(gateway: bound))
                }
            }
            .connect(host: backendHost, port: backendPort)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    backend = channel
                    logger.info(
                        "gateway connected to backend",
                        metadata: ["backend": "\(backendHost):\(backendPort)"])
                case .failure(let error):
                    close(reason: "backend \(backendHost):\(backendPort) unreachable: \(error)")
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        switch state {
        case .connectingBackend(let held):
            state = .connectingBackend(viewerBytes: held + bytes)
        case .handshaking:
            guard var session else { return }
            let actions = session.receive(bytes)
            self.session = session
            perform(actions)
        case .spliced:
            backend?.writeAndFlush(
                makeBuffer(bytes, allocator: context.channel.allocator), promise: nil)
        case .closed:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        close(reason: "viewer closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(reason: "viewer error: \(error)")
    }

    private func makeBuffer(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    private func writeToViewer(_ bytes: [UInt8]) {
        guard let context, !bytes.isEmpty else { return }
        context.writeAndFlush(
            wrapOutboundOut(makeBuffer(bytes, allocator: context.channel.allocator)), promise: nil)
    }

    private func writeToBackend(_ bytes: [UInt8]) {
        guard let backend, !bytes.isEmpty else { return }
        backend.writeAndFlush(makeBuffer(bytes, allocator: backend.allocator), promise: nil)
    }

    private func perform(_ actions: [ServerSession.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                writeToViewer(bytes)
            case .initialised:
                guard case .handshaking(let leftover) = state else { return }
                state = .spliced
                logger.info("gateway spliced viewer to backend")
                writeToViewer(leftover)
            case .passthrough(let bytes):
                writeToBackend(bytes)
            case .message:
                break
            case .close(let reason):
                close(reason: reason)
                return
            }
        }
    }

    /// Bytes from the backend (called by ``GatewayBackendHandler`` on the same loop).
    func backendRead(_ bytes: [UInt8]) {
        switch state {
        case .connectingBackend(let held):
            for action in handshake.receive(bytes) {
                switch action {
                case .send(let out):
                    writeToBackend(out)
                case .fail(let reason):
                    close(reason: "backend handshake failed: \(reason)")
                    return
                case .done(let info, let leftover):
                    logger.info(
                        "backend handshake done",
                        metadata: [
                            "size": "\(info.width)x\(info.height)", "name": "\(info.name)",
                        ])
                    var session = ServerSession(
                        configuration: .init(
                            name: info.name, security: security, width: info.width,
                            height: info.height, pixelFormat: info.pixelFormat, handshakeOnly: true)
                    )
                    state = .handshaking(backendLeftover: leftover)
                    var actions = session.start()
                    actions += session.receive(held)
                    self.session = session
                    perform(actions)
                }
            }
        case .handshaking(let leftover):
            state = .handshaking(backendLeftover: leftover + bytes)
        case .spliced:
            writeToViewer(bytes)
        case .closed:
            break
        }
    }

    /// Closes both sides once.
    func close(reason: String) {
        if case .closed = state { return }
        state = .closed
        logger.info("gateway connection closed", metadata: ["reason": "\(reason)"])
        backend?.close(promise: nil)
        context?.close(promise: nil)
    }
}
