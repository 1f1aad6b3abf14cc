import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

extension Relay {
    /// The HTTP path of the relay's WebSocket endpoint.
    public static let webSocketPath = "/relay/v1"

    private static let fallbackHandlerName = "tsunagu-relay-http-fallback"
    private static let upgradeDeadlineHandlerName = "tsunagu-relay-upgrade-deadline"

    /// The upgrade a server that already speaks HTTP (the control plane) hands a request for
    /// ``webSocketPath`` to: it answers the WebSocket handshake and makes the connection a
    /// relay peer whose first text message must be its ticket.
    ///
    /// The connection counts against ``RelayConfiguration/maxUnauthenticatedPerAddress``
    /// from the upgrade until its ticket verifies; over the limit it is closed at once. (The
    /// time the request head may take is the embedding HTTP server's to limit.)
    public func webSocketUpgrader() -> any HTTPServerProtocolUpgrader & Sendable {
        RelayWebSocketUpgrader(relay: self, pass: nil, accepts: { _ in true })
    }

    /// Makes a channel that has just answered the WebSocket handshake a relay peer.
    /// - Parameter pass: its place among its address's connections without a ticket, when
    ///   the listener took one at the accept; otherwise one is taken now.
    func configureWebSocketPeer(_ channel: Channel, pass: RelayAddressPass? = nil)
        -> EventLoopFuture<Void>
    {
        onLoop(of: channel) {
            guard let pass = pass ?? self.addressGate.enter(channel) else {
                channel.close(promise: nil)
                return
            }
            try self.prepare(channel)
            try channel.pipeline.syncOperations.addHandlers([
                WebSocketFramingHandler(
                    drainTimeout: self.configuration.drainTimeout,
                    maxFrameSize: self.configuration.maxFrameSize,
                    maxOutboundFrameSize: self.configuration.maxOutboundFrameSize),
                RelayPeerHandler(relay: self, transport: .webSocket, pass: pass),
            ])
        }
    }

    /// Makes an accepted raw TCP channel a relay peer (after its TLS handler, if any): the
    /// peer's first line must be `TSUNAGU-RELAY/1 TICKET`.
    ///
    /// The connection counts against ``RelayConfiguration/maxUnauthenticatedPerAddress``
    /// until its ticket verifies; over the limit it is closed at once.
    public func configureTCPPeer(_ channel: Channel) -> EventLoopFuture<Void> {
        configureTCPPeer(channel, pass: nil)
    }

    /// ``configureTCPPeer(_:)`` with the place the listener took at the accept, if any.
    func configureTCPPeer(_ channel: Channel, pass: RelayAddressPass?) -> EventLoopFuture<Void> {
        onLoop(of: channel) {
            guard let pass = pass ?? self.addressGate.enter(channel) else {
                channel.close(promise: nil)
                return
            }
            try self.prepare(channel)
            try channel.pipeline.syncOperations.addHandlers([
                TCPFramingHandler(), RelayPeerHandler(relay: self, transport: .tcp, pass: pass),
            ])
        }
    }

    /// Listens for WebSocket peers (HTTP/1.1 upgrade on `/relay/v1`) until ``shutdown()``.
    ///
    /// A connection must complete its request head and upgrade within
    /// ``RelayConfiguration/upgradeTimeout`` of the accept, and counts against
    /// ``RelayConfiguration/maxUnauthenticatedPerAddress`` from the accept until its ticket
    /// verifies.
    /// - Returns: the bound address (its port when `port` is 0).
    public func listenWebSocket(host: String, port: Int) async throws -> SocketAddress {
        let listener = try await serverBootstrap()
            .childChannelInitializer { channel in
                guard let pass = self.addressGate.enter(channel) else {
                    // NIO closes a channel whose initializer fails, before it reads a byte.
                    return channel.eventLoop.makeFailedFuture(
                        RelayAddressGate.Refusal.tooManyUnauthenticated(
                            address: channel.remoteAddress?.ipAddress ?? "?"))
                }
                let upgrader = RelayWebSocketUpgrader(relay: self, pass: pass) { head in
                    head.uri.split(separator: "?").first.map(String.init) == Self.webSocketPath
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeDeadlineHandler(timeout: self.configuration.upgradeTimeout),
                        name: Self.upgradeDeadlineHandlerName)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                let pipeline = context.pipeline.syncOperations
                                pipeline.removeHandler(
                                    name: Self.fallbackHandlerName, promise: nil)
                                pipeline.removeHandler(
                                    name: Self.upgradeDeadlineHandlerName, promise: nil)
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPFallbackHandler(path: Self.webSocketPath),
                        name: Self.fallbackHandlerName)
                }
            }
            .bind(host: host, port: port).get()
        adopt(listener: listener)
        return listener.localAddress!
    }

    /// Listens for raw TCP peers, over TLS when `tls` is given, until ``shutdown()``.
    /// - Returns: the bound address (its port when `port` is 0).
    public func listenTCP(host: String, port: Int, tls: NIOSSLContext? = nil) async throws
        -> SocketAddress
    {
        let listener = try await serverBootstrap()
            .childChannelInitializer { channel in
                // Counted before the TLS handshake, which a crowd of sockets could also stall.
                guard let pass = self.addressGate.enter(channel) else {
                    return channel.eventLoop.makeFailedFuture(
                        RelayAddressGate.Refusal.tooManyUnauthenticated(
                            address: channel.remoteAddress?.ipAddress ?? "?"))
                }
                guard let tls else { return self.configureTCPPeer(channel, pass: pass) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLServerHandler(context: tls))
                }.flatMap { self.configureTCPPeer(channel, pass: pass) }
            }
            .bind(host: host, port: port).get()
        adopt(listener: listener)
        return listener.localAddress!
    }

    private func serverBootstrap() -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    }

    /// Options every peer channel gets, whoever accepted it.
    private func prepare(_ channel: Channel) throws {
        let options = channel.syncOptions
        try options?.setOption(.writeBufferWaterMark, value: configuration.writeBufferWaterMark)
    }

    private func onLoop(
        of channel: Channel, _ body: @escaping @Sendable () throws -> Void
    ) -> EventLoopFuture<Void> {
        if channel.eventLoop.inEventLoop {
            return channel.eventLoop.makeCompletedFuture { try body() }
        }
        return channel.eventLoop.submit { try body() }
    }
}
