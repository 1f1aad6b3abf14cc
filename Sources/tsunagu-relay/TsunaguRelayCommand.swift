import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Relay
import TsunaguCore

/// `tsunagu-relay --listen HOST:PORT --server URL --relay-key KEY`: a standalone relay that
/// learns its id and the server's ticket key from the control plane, reports load and ended
/// sessions every few seconds, and relays until SIGTERM.
@main
struct TsunaguRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagu-relay",
        abstract: "Pairs the two ends of Tsunagu session channels and copies their bytes.")

    @Option(help: "Where WebSocket peers connect (HTTP upgrade on /relay/v1).")
    var listen: HostPort

    @Option(help: "The control plane's base URL, e.g. https://support.example.com.")
    var server: String

    @Option(help: "This relay's key, made by the control plane's admin.")
    var relayKey: String

    @Option(help: "Where raw TCP peers connect (TSUNAGU-RELAY/1 greeting).")
    var tcpListen: HostPort?

    @Option(help: "PEM certificate chain for TLS on the TCP listener.")
    var tlsCert: String?

    @Option(help: "PEM private key for TLS on the TCP listener.")
    var tlsKey: String?

    @Option(help: "Most session channels (waiting or paired) at once.")
    var maxSessions: Int = 10_000

    @Option(help: "Seconds the first end waits for its peer.")
    var peerTimeout: Int = 30

    @Option(help: "Seconds a paired channel may stay silent.")
    var idleTimeout: Int = 600

    @Option(
        help: """
            Seconds a WebSocket connection has, from its accept, to send its whole HTTP \
            request head and be upgraded; trickled bytes do not extend it.
            """)
    var upgradeTimeout: Double = 10

    @Option(
        help: """
            Seconds a connection has to present its ticket (from the upgrade on WebSocket, \
            from the accept on --tcp-listen).
            """)
    var handshakeTimeout: Double = 10

    @Option(
        help: """
            Most connections from one IP address that have not yet presented a valid \
            ticket; one more is closed at once.
            """)
    var maxUnauthenticatedPerAddress: Int = 64

    @Option(help: "Seconds between reports to the control plane.")
    var reportInterval: Double = 5

    @Option(help: "Event loop threads that copy bytes. Default: one per core.")
    var eventLoops: Int?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard tlsCert == nil || tcpListen != nil else {
            throw ValidationError("TLS applies to --tcp-listen; give it too")
        }
        guard maxSessions > 0, peerTimeout > 0, idleTimeout > 0, reportInterval > 0,
            upgradeTimeout > 0, handshakeTimeout > 0, maxUnauthenticatedPerAddress > 0,
            (eventLoops ?? 1) > 0
        else {
            throw ValidationError("limits must be positive")
        }
    }

    func run() async throws {
        SignalWaiter.unblock()
        var logger = Logger(label: "tsunagu-relay")
        logger.logLevel = .info
        let tls = try makeTLSContext()
        let client = ControlPlaneClient(server: server, relayKey: relayKey)
        let interval = TimeAmount.nanoseconds(Int64(reportInterval * 1_000_000_000))

        // Nothing is accepted before the control plane told us whose tickets to trust.
        let terminated = Task { await SignalWaiter.waitForTermination() }
        let startup = Task { await firstAnswer(client: client, retry: interval, logger: logger) }
        let watcher = Task {
            await terminated.value
            startup.cancel()
        }
        guard let answer = await startup.value else { return }
        guard let serverKey = SigningKeyText.parse(answer.serverKey) else {
            throw ValidationError("the control plane sent an unreadable server key")
        }
        let relay = await Relay(
            configuration: RelayConfiguration(
                serverKey: serverKey, relayID: answer.relayID,
                peerTimeout: .seconds(Int64(peerTimeout)),
                idleTimeout: .seconds(Int64(idleTimeout)),
                handshakeTimeout: Self.timeAmount(seconds: handshakeTimeout),
                upgradeTimeout: Self.timeAmount(seconds: upgradeTimeout),
                maxUnauthenticatedPerAddress: maxUnauthenticatedPerAddress,
                maxSessions: maxSessions),
            group: eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
                ?? MultiThreadedEventLoopGroup.singleton)
        let webSocket = try await relay.listenWebSocket(host: listen.host, port: listen.port)
        logger.info("websocket listening on \(webSocket) as relay \(answer.relayID)")
        if let tcpListen {
            let tcp = try await relay.listenTCP(
                host: tcpListen.host, port: tcpListen.port, tls: tls)
            logger.info("tcp listening on \(tcp)\(tls == nil ? "" : " with TLS")")
        }

        let queue = EndedSessionQueue()
        let collector = Task {
            for await end in relay.events { await queue.append(end) }
        }
        let reporter = Task {
            var meter = RelayLoadMeter()
            _ = meter.report(relay.stats)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval.nanoseconds))
                if Task.isCancelled { break }
                await report(relay: relay, meter: &meter, queue: queue, client: client, logger)
            }
        }

        await watcher.value
        logger.info("shutting down: ending sessions")
        reporter.cancel()
        await relay.shutdown()
        await collector.value
        var meter = RelayLoadMeter()
        await report(relay: relay, meter: &meter, queue: queue, client: client, logger)
        let left = await queue.count
        if left > 0 { logger.warning("\(left) ended sessions could not be reported") }
    }

    /// Reports until the control plane answers; nil when cancelled (SIGTERM).
    private func firstAnswer(
        client: ControlPlaneClient, retry: TimeAmount, logger: Logger
    ) async -> RelayReportAnswer? {
        let hello = RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0)
        while !Task.isCancelled {
            do {
                return try await client.send(hello)
            } catch {
                logger.warning("control plane not reachable yet: \(error)")
            }
            try? await Task.sleep(nanoseconds: UInt64(retry.nanoseconds))
        }
        return nil
    }

    private func report(
        relay: Relay, meter: inout RelayLoadMeter, queue: EndedSessionQueue,
        client: ControlPlaneClient, _ logger: Logger
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

    private func makeTLSContext() throws -> NIOSSLContext? {
        guard let tlsCert, let tlsKey else { return nil }
        // The control plane's HTTPS uses the same policy (TLS 1.2+, ECDHE with AEAD only).
        return try NIOSSLContext(
            configuration: TLSPolicy.serverConfiguration(
                certificatePath: tlsCert, keyPath: tlsKey))
    }

    private static func timeAmount(seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1_000_000_000))
    }
}
