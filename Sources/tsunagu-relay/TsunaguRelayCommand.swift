import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOSSL
import Relay
import ServiceLifecycle
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
        // A supervisor may have started us with the signals blocked (a mask inherited
        // through exec): the graceful shutdown below must hear them.
        SignalMask.unblock()
        var logger = Logger(label: "tsunagu-relay")
        logger.logLevel = .info
        let (peerTimeout, idleTimeout, handshakeTimeout, upgradeTimeout) = (
            peerTimeout, idleTimeout, handshakeTimeout, upgradeTimeout
        )
        let (maxUnauthenticatedPerAddress, maxSessions) = (
            maxUnauthenticatedPerAddress, maxSessions
        )
        let relay = StandaloneRelay(
            configuration: .init(
                webSocketHost: listen.host, webSocketPort: listen.port, tcpHost: tcpListen?.host,
                tcpPort: tcpListen?.port, tls: try makeTLSContext(),
                reportInterval: .milliseconds(Int64(reportInterval * 1000)),
                eventLoops: eventLoops
            ) { serverKey, relayID in
                RelayConfiguration(
                    serverKey: serverKey, relayID: relayID,
                    peerTimeout: .seconds(Int64(peerTimeout)),
                    idleTimeout: .seconds(Int64(idleTimeout)),
                    handshakeTimeout: Self.timeAmount(seconds: handshakeTimeout),
                    upgradeTimeout: Self.timeAmount(seconds: upgradeTimeout),
                    maxUnauthenticatedPerAddress: maxUnauthenticatedPerAddress,
                    maxSessions: maxSessions)
            },
            client: RelayControlPlaneClient(server: server, relayKey: relayKey), logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(
                        service: relay, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
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
