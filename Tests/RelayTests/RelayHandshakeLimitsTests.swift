import Crypto
import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Relay

/// The limits on connections that have not (yet) shown a ticket: the WebSocket upgrade must
/// complete within its time from the accept however the bytes are trickled, and one address
/// may hold only so many such connections at once.
@Suite struct RelayHandshakeLimitsTests {
    private static let partialHead = "GET /relay/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web"

    private func rawConnection(port: Int, sending bytes: String) async throws -> RawClient {
        try await RawClient.connect(port: port, sending: bytes)
    }

    /// Connects to `port`, sends `bytes` and expects the relay to close the connection at
    /// once.
    private func expectRefused(port: Int, sending bytes: String) async throws {
        let peer = try await rawConnection(port: port, sending: bytes)
        let openFor = try await peer.waitForClose(within: 3)
        #expect(openFor < 1, "a refused connection stayed open \(openFor) s")
    }

    /// Waits until `condition` holds, failing after `seconds`.
    private func eventually(
        _ what: String, within seconds: Double = 5, _ condition: () -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else {
                throw TestPeer.Failure("no \(what) within \(seconds) s")
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    @Test func partialRequestHeadIsClosedAtTheUpgradeLimit() async throws {
        let fixture = try await RelayFixture.start { $0.upgradeTimeout = .seconds(1) }
        let peer = try await rawConnection(port: fixture.webSocketPort, sending: Self.partialHead)
        let openFor = try await peer.waitForClose(within: 5)
        #expect(openFor >= 0.9 && openFor < 3, "closed after \(openFor) s; the limit is 1 s")
        try await eventually("gate emptied") {
            fixture.relay.addressGate.count(of: "127.0.0.1") == 0
        }
        await fixture.relay.shutdown()
    }

    @Test func tricklingHeaderBytesDoesNotExtendTheLimit() async throws {
        let fixture = try await RelayFixture.start { $0.upgradeTimeout = .seconds(1) }
        // One byte every 200 ms: a slow-loris client that never finishes its head.
        let peer = try await RawClient.connect(
            port: fixture.webSocketPort, sending: "GET /relay/v1 ",
            trickle: "HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            every: .milliseconds(200))
        let openFor = try await peer.waitForClose(within: 5)
        let trickled = peer.times.withLockedValue { $0.trickled }
        #expect(openFor >= 0.9 && openFor < 3, "closed after \(openFor) s; the limit is 1 s")
        #expect(trickled >= 3, "only \(trickled) bytes trickled before the close")
        await fixture.relay.shutdown()
    }

    @Test func upgradedConnectionOutlivesTheUpgradeLimit() async throws {
        // Not shorter: under the whole suite's load a client may take a while between its
        // connect and its request, and this test is about the time after the upgrade.
        let fixture = try await RelayFixture.start { $0.upgradeTimeout = .seconds(2) }
        let op = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "u", role: .operator))
        #expect(try await op.status() == .waiting)
        // Longer than the upgrade limit passes with nothing to do: the deadline left with the
        // upgrade (nothing to wait for here: the test is that nothing happens).
        try await Task.sleep(nanoseconds: 2_500_000_000)
        #expect(!op.isClosed)
        let agent = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "u", role: .agent))
        #expect(try await agent.status() == .paired)
        try await op.send([7, 7])
        #expect(try await agent.receive(count: 2) == [7, 7])
        await op.close()
        await agent.close()
        await fixture.relay.shutdown()
    }

    @Test func oneMoreUnauthenticatedConnectionThanTheCapIsRefused() async throws {
        let fixture = try await RelayFixture.start {
            $0.maxUnauthenticatedPerAddress = 2
            $0.upgradeTimeout = .seconds(60)
            $0.handshakeTimeout = .seconds(60)
        }
        let gate = fixture.relay.addressGate
        // A connection whose ticket verified no longer counts.
        let admitted = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "c", role: .operator))
        #expect(try await admitted.status() == .waiting)
        try await eventually("the admitted end uncounted") { gate.count(of: "127.0.0.1") == 0 }

        let first = try await rawConnection(port: fixture.webSocketPort, sending: Self.partialHead)
        let second = try await rawConnection(port: fixture.tcpPort, sending: "TSUNAGU-RELAY/1 ")
        try await eventually("two counted") { gate.count(of: "127.0.0.1") == 2 }

        // Over the cap, on either listener, the new connection is closed at once.
        try await expectRefused(port: fixture.webSocketPort, sending: Self.partialHead)
        try await expectRefused(port: fixture.tcpPort, sending: "TSUNAGU-RELAY/1 ")
        #expect(!first.isClosed && !second.isClosed && !admitted.isClosed)
        #expect(gate.count(of: "127.0.0.1") == 2)

        // A closed one gives its place back.
        await first.close()
        try await eventually("the closed one uncounted") { gate.count(of: "127.0.0.1") == 1 }
        let fifth = try await rawConnection(port: fixture.webSocketPort, sending: Self.partialHead)
        try await eventually("the newcomer counted") { gate.count(of: "127.0.0.1") == 2 }
        #expect(!fifth.isClosed)

        for peer in [second, fifth] { await peer.close() }
        await admitted.close()
        await fixture.relay.shutdown()
    }

    @Test func controlPlaneUpgradeCountsFromTheUpgrade() async throws {
        // The control plane's HTTP server hands the relay channels it has already upgraded.
        let relay = await Relay(
            configuration: RelayConfiguration(
                serverKey: Curve25519.Signing.PrivateKey().publicKey, relayID: "r",
                maxUnauthenticatedPerAddress: 1))
        let loop = NIOAsyncTestingEventLoop()
        let address = try SocketAddress(ipAddress: "192.0.2.7", port: 40_000)
        let first = NIOAsyncTestingChannel(loop: loop)
        first.remoteAddress = address
        try await first.connect(to: address).get()
        try await relay.configureWebSocketPeer(first).get()
        #expect(relay.addressGate.count(of: "192.0.2.7") == 1)
        #expect(first.isActive)

        let second = NIOAsyncTestingChannel(loop: loop)
        second.remoteAddress = address
        try await second.connect(to: address).get()
        try await relay.configureWebSocketPeer(second).get()
        try await second.closeFuture.get()
        #expect(relay.addressGate.count(of: "192.0.2.7") == 1)
        #expect(first.isActive)

        try await first.close()
        try await eventually("the closed one uncounted") {
            relay.addressGate.count(of: "192.0.2.7") == 0
        }
    }
}
