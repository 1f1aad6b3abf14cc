import Logging
import NIOCore
import NIOPosix
import RFB

/// The agent's local VNC listener (`--listen-vnc HOST:PORT`): every accepted connection gets
/// its own ``ViewerConnectionHandler`` on the shared desktop. A viewer that sends bad bytes
/// loses its own connection; the listener keeps serving.
public final class VNCListener: Sendable {
    private let channel: any Channel

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    private init(channel: any Channel) { self.channel = channel }

    /// Binds `host:port` and serves the desktop to every viewer that connects.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, desktop: SharedDesktop,
        session: ServerSession.Configuration, logger: Logger
    ) async throws -> VNCListener {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Writability turns false past 1 MiB queued: the update pacing in the handler.
            .childChannelOption(
                .writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024)
            )
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        ViewerConnectionHandler(
                            desktop: desktop, configuration: session, logger: logger))
                }
            }
            .bind(host: host, port: port).get()
        logger.info(
            "VNC listener ready",
            metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return VNCListener(channel: channel)
    }

    /// Serves one RFB stream over an existing channel (a relay connection): the caller's
    /// channel must carry raw RFB bytes as `ByteBuffer`s in both directions.
    public static func serve(
        on channel: any Channel, desktop: SharedDesktop, session: ServerSession.Configuration,
        logger: Logger
    ) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ViewerConnectionHandler(desktop: desktop, configuration: session, logger: logger))
        }
    }

    /// Stops accepting viewers; open connections stay until they close.
    public func close() async throws {
        try await channel.close()
    }
}
