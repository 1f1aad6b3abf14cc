import Foundation
import Logging
import NIOCore
import NIOPosix
import TsunaguCore

/// `tsunagu connect`: a local VNC port on this machine; every viewer that connects gets its
/// own session with the device, bridged byte for byte through a relay. Runs until the task
/// is cancelled (Ctrl+C) or a fatal API error (a wrong password, say) makes every further
/// viewer pointless; open sessions are ended on the server either way.
public struct VNCBridge: Sendable {
    /// What to connect to and how.
    public struct Configuration: Sendable {
        /// The device's connection name.
        public var device: String
        /// The device's connection password.
        public var password: String
        /// Where to listen; loopback so that nobody else on the network gets the screen.
        public var host: String
        /// The local port; 0 picks a free one.
        public var port: Int
        /// The session channel.
        public var channel: SessionChannel
        /// How often to ask the server whether a waiting session was declined.
        public var statusPollInterval: Duration
        /// How long to wait at the relay for the agent (an attended device's user has 30 s).
        public var relayTimeout: Duration
        /// After a viewer leaves, how long the relay has to report the session's end (and
        /// its byte counts) before the session is ended with `DELETE`; an external relay
        /// reports every 5 s.
        public var endGrace: Duration

        /// A configuration with the usual defaults.
        public init(
            device: String, password: String, host: String = "127.0.0.1", port: Int = 0,
            channel: SessionChannel = .desktop, statusPollInterval: Duration = .seconds(1),
            relayTimeout: Duration = .seconds(45), endGrace: Duration = .seconds(7)
        ) {
            self.device = device
            self.password = password
            self.host = host
            self.port = port
            self.channel = channel
            self.statusPollInterval = statusPollInterval
            self.relayTimeout = relayTimeout
            self.endGrace = endGrace
        }
    }

    let api: TsunaguAPI
    let configuration: Configuration
    let group: any EventLoopGroup
    let logger: Logger
    let events: @Sendable (BridgeEvent) -> Void

    /// A bridge to `configuration.device`; `events` receives what to show the operator.
    public init(
        api: TsunaguAPI, configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tsunagu.connect"),
        events: @escaping @Sendable (BridgeEvent) -> Void
    ) {
        self.api = api
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.events = events
    }

    /// Listens and serves viewers until cancelled; throws a fatal `APIError` or a bind error.
    public func run() async throws {
        let (viewers, intake) = AsyncStream.makeStream(of: (any Channel).self)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Nothing is read from a viewer before its relay channel is there to take it.
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024)
            )
            .childChannelInitializer { channel in
                intake.yield(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: configuration.host, port: configuration.port).get()
        intake.onTermination = { _ in server.close(promise: nil) }
        events(
            .listening(
                host: configuration.host, port: server.localAddress?.port ?? configuration.port))

        let session = BridgeSession(
            api: api, configuration: configuration, logger: logger, events: events)
        try await withThrowingDiscardingTaskGroup { group in
            for await viewer in viewers {
                group.addTask {
                    do {
                        try await session.serve(viewer)
                    } catch let error as APIError {
                        // Stop taking viewers; the group ends the others and rethrows.
                        intake.finish()
                        throw error
                    }
                }
            }
        }
        intake.finish()
        try? await server.closeFuture.get()
    }
}
