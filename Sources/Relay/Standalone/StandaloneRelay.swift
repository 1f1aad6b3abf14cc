import Crypto
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import TsunaguCore

/// A `tsunagu-relay` as a service: it learns its id and the server's ticket key from the
/// control plane (nothing is accepted before), listens, reports load, open and ended channels
/// every `reportInterval`, and on graceful shutdown (SIGTERM, SIGINT) ends its channels and
/// reports them before it returns.
public struct StandaloneRelay: Service {
    /// What the command line gives.
    public struct Configuration: Sendable {
        public var webSocketHost: String
        public var webSocketPort: Int
        public var tcpHost: String?
        public var tcpPort: Int?
        public var tls: NIOSSLContext?
        public var reportInterval: Duration
        /// The relay's configuration once the control plane named its key and the relay's id.
        public var relay: @Sendable (Curve25519.Signing.PublicKey, String) -> RelayConfiguration
        public var eventLoops: Int?

        public init(
            webSocketHost: String, webSocketPort: Int, tcpHost: String? = nil,
            tcpPort: Int? = nil, tls: NIOSSLContext? = nil, reportInterval: Duration,
            eventLoops: Int? = nil,
            relay: @escaping @Sendable (Curve25519.Signing.PublicKey, String) -> RelayConfiguration
        ) {
            self.webSocketHost = webSocketHost
            self.webSocketPort = webSocketPort
            self.tcpHost = tcpHost
            self.tcpPort = tcpPort
            self.tls = tls
            self.reportInterval = reportInterval
            self.relay = relay
            self.eventLoops = eventLoops
        }
    }

    /// The control plane sent a key this relay cannot read.
    public struct UnreadableServerKey: Error, CustomStringConvertible {
        public var description: String { "the control plane sent an unreadable server key" }
    }

    private let configuration: Configuration
    private let client: RelayControlPlaneClient
    private let logger: Logger

    public init(configuration: Configuration, client: RelayControlPlaneClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        guard let answer = try await cancelWhenGracefulShutdown({ [self] in await firstAnswer() })
        else { return }
        guard let serverKey = SigningKeyText.parse(answer.serverKey) else {
            throw UnreadableServerKey()
        }
        let relay = await Relay(
            configuration: configuration.relay(serverKey, answer.relayID),
            group: configuration.eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
                ?? MultiThreadedEventLoopGroup.singleton)
        let webSocket = try await relay.listenWebSocket(
            host: configuration.webSocketHost, port: configuration.webSocketPort)
        logger.info("websocket listening on \(webSocket) as relay \(answer.relayID)")
        if let host = configuration.tcpHost, let port = configuration.tcpPort {
            let tcp = try await relay.listenTCP(host: host, port: port, tls: configuration.tls)
            logger.info("tcp listening on \(tcp)\(configuration.tls == nil ? "" : " with TLS")")
        }

        let queue = EndedSessionQueue()
        let collector = Task {
            for await end in relay.events { await queue.append(end) }
        }
        let (interval, client, logger) = (configuration.reportInterval, client, logger)
        // Reports until graceful shutdown; then the channels end and the last report carries
        // their ends.
        try? await cancelWhenGracefulShutdown {
            var meter = RelayLoadMeter()
            _ = meter.report(relay.stats)
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await Self.report(relay: relay, meter: &meter, queue: queue, client: client, logger)
            }
        }
        logger.info("shutting down: ending sessions")
        await relay.shutdown()
        await collector.value
        var meter = RelayLoadMeter()
        await Self.report(relay: relay, meter: &meter, queue: queue, client: client, logger)
        let left = await queue.count
        if left > 0 { logger.warning("\(left) ended sessions could not be reported") }
    }

    /// Reports until the control plane answers; nil when cancelled.
    private func firstAnswer() async -> RelayReportAnswer? {
        let hello = RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0)
        while !Task.isCancelled {
            do {
                return try await client.send(hello)
            } catch {
                logger.warning("control plane not reachable yet: \(error)")
            }
            try? await Task.sleep(for: configuration.reportInterval)
        }
        return nil
    }

    private static func report(
        relay: Relay, meter: inout RelayLoadMeter, queue: EndedSessionQueue,
        client: RelayControlPlaneClient, _ logger: Logger
    ) async {
        let ended = await queue.snapshot()
        // Open sessions go in every report: without them the server would take a session
        // that outlasts its start deadline for one that never started.
        let report = meter.report(relay.stats, ended: ended, open: relay.activeSessionProgress)
        do {
            let answer = try await client.send(report)
            await queue.delivered(ended.count)
            for session in answer.endSessions { relay.end(session: session) }
        } catch {
            logger.warning("report failed, \(ended.count) ended sessions kept: \(error)")
        }
    }
}
