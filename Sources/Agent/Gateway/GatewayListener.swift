import Logging
import NIOCore
import NIOPosix
import RFB

/// Listens for viewers and bridges each one to an existing VNC server (`--vnc HOST:PORT`);
/// see ``GatewayConnectionHandler`` for why the handshake is terminated on both sides.
public final class GatewayListener: Sendable {
    private let channel: any Channel

    /// The address actually bound.
    public var localAddress: SocketAddress? { channel.localAddress }

    private init(channel: any Channel) { self.channel = channel }

    /// Binds `host:port`; each viewer gets its own backend connection.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, backendHost: String,
        backendPort: Int, backendPassword: String?, security: ServerSession.Security,
        logger: Logger
    ) async throws -> GatewayListener {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        GatewayConnectionHandler(
                            backendHost: backendHost, backendPort: backendPort,
                            backendPassword: backendPassword, security: security, logger: logger))
                }
            }
            .bind(host: host, port: port).get()
        logger.info(
            "VNC gateway ready",
            metadata: [
                "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                "backend": "\(backendHost):\(backendPort)",
            ])
        return GatewayListener(channel: channel)
    }

    /// Stops accepting viewers.
    public func close() async throws {
        try await channel.close()
    }
}
