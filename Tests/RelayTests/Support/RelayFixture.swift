import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Relay
import Testing
import TsunaguCore

/// A relay on 127.0.0.1 with both listeners, a fresh server key and a signer for tickets.
final class RelayFixture: Sendable {
    static let relayID = "relay-test"

    let relay: Relay
    let signer: TicketSigner
    let serverKey: Curve25519.Signing.PrivateKey
    let webSocketPort: Int
    let tcpPort: Int
    /// The TCP listener behind TLS, when the fixture was given a server context.
    let tlsPort: Int?
    /// Ended-channel records not yet taken by ``nextEnd(within:)``.
    let ended = NIOLockedValueBox<[RelaySessionEnd]>([])

    init(
        relay: Relay, signer: TicketSigner, serverKey: Curve25519.Signing.PrivateKey,
        webSocketPort: Int, tcpPort: Int, tlsPort: Int?
    ) {
        self.relay = relay
        self.signer = signer
        self.serverKey = serverKey
        self.webSocketPort = webSocketPort
        self.tcpPort = tcpPort
        self.tlsPort = tlsPort
        Task { [ended] in
            for await end in relay.events { ended.withLockedValue { $0.append(end) } }
        }
    }

    /// Which listener a test peer uses.
    enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case webSocket, tcp
        var testDescription: String { rawValue }
    }

    static func start(
        peerTimeout: TimeAmount = .seconds(30), idleTimeout: TimeAmount = .minutes(10),
        maxSessions: Int = 100, tls: NIOSSLContext? = nil,
        configure: (inout RelayConfiguration) -> Void = { _ in }
    ) async throws -> RelayFixture {
        let key = Curve25519.Signing.PrivateKey()
        var configuration = RelayConfiguration(
            serverKey: key.publicKey, relayID: relayID, peerTimeout: peerTimeout,
            idleTimeout: idleTimeout, drainTimeout: .seconds(2), maxSessions: maxSessions)
        configure(&configuration)
        let relay = await Relay(configuration: configuration)
        let ws = try await relay.listenWebSocket(host: "127.0.0.1", port: 0)
        let tcp = try await relay.listenTCP(host: "127.0.0.1", port: 0)
        var tlsPort: Int?
        if let tls {
            tlsPort = try await relay.listenTCP(host: "127.0.0.1", port: 0, tls: tls).port
        }
        return RelayFixture(
            relay: relay, signer: await TicketSigner(privateKey: key), serverKey: key,
            webSocketPort: ws.port!, tcpPort: tcp.port!, tlsPort: tlsPort)
    }

    /// A signed ticket.
    func ticket(
        session: String, channel: SessionChannel = .desktop, channelID: String? = nil,
        role: SessionTicket.Role,
        relay: String = relayID, issuedAt: Date = Date(), lifetime: TimeInterval = 30
    ) async throws -> String {
        try await signer.sign(
            SessionTicket(
                session: session, channel: channel, channelID: channelID, role: role, relay: relay,
                issuedAt: issuedAt, lifetime: lifetime))
    }

    /// A peer connected over `transport` that has sent `ticket`.
    func connect(_ transport: Transport, ticket: String) async throws -> TestPeer {
        switch transport {
        case .tcp:
            return try await TestPeer.connectTCP(port: tcpPort, ticket: ticket)
        case .webSocket:
            return try await TestPeer.connectWebSocket(port: webSocketPort, ticket: ticket)
        }
    }

    /// Both ends of `session`, paired.
    func pair(
        session: String, operator opTransport: Transport, agent agentTransport: Transport
    ) async throws -> (op: TestPeer, agent: TestPeer) {
        let op = try await connect(
            opTransport, ticket: try await ticket(session: session, role: .operator))
        #expect(try await op.status() == .waiting)
        let agent = try await connect(
            agentTransport, ticket: try await ticket(session: session, role: .agent))
        #expect(try await agent.status() == .paired)
        #expect(try await op.status() == .paired)
        return (op, agent)
    }

    /// The next ended-channel record, waiting at most `seconds`.
    func nextEnd(within seconds: Double = 5) async throws -> RelaySessionEnd {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let next = ended.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { return next }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        throw TestPeer.Failure("no session end within \(seconds) s")
    }
}
