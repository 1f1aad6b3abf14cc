import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP upgrade to a relay WebSocket. NIO's upgrader checks the request and answers the
/// handshake; the pipeline behind it is the relay's own (``WebSocketFramingHandler``: the
/// streaming ``WebSocketStreamDecoder`` in, ``WebSocketServerFrame`` out), not NIO's
/// whole-frame decoder and encoder.
///
/// The standalone relay's listener uses it on `/relay/v1`; the control plane's HTTP server
/// hands it its own upgrade of `/relay/v1` (``Relay/webSocketUpgrader()``).
struct RelayWebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let relay: Relay
    /// The connection's place among its address's unauthenticated connections, when the
    /// listener took it at the accept (the standalone relay makes one upgrader per
    /// connection); nil for the control plane's upgrader, which takes it at the upgrade.
    let pass: RelayAddressPass?
    /// Used only for the handshake's checks and answer, made once.
    private let handshake: NIOWebSocketServerUpgrader

    /// - Parameters:
    ///   - pass: the connection's place taken at the accept, if any.
    ///   - accepts: whether the request may upgrade (the path, when the server has not
    ///     checked it).
    init(
        relay: Relay, pass: RelayAddressPass?,
        accepts: @escaping @Sendable (HTTPRequestHead) -> Bool
    ) {
        self.relay = relay
        self.pass = pass
        self.handshake = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(accepts(head) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
    }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func buildUpgradeResponse(
        channel: Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        handshake.buildUpgradeResponse(
            channel: channel, upgradeRequest: upgradeRequest,
            initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead)
        -> EventLoopFuture<Void>
    {
        relay.configureWebSocketPeer(context.channel, pass: pass)
    }
}
