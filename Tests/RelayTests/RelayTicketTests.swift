import Crypto
import Foundation
import Relay
import Testing
import TsunaguCore

/// Every ticket attack is refused with its code, on both transports, and the connection closed.
@Suite struct RelayTicketTests {
    typealias Transport = RelayFixture.Transport

    private func expectRefused(
        _ fixture: RelayFixture, _ transport: Transport, ticket: String, code: String
    ) async throws {
        let peer = try await fixture.connect(transport, ticket: ticket)
        #expect(try await peer.status() == .error(code))
        try await peer.waitForClose()
    }

    @Test(arguments: Transport.allCases)
    func forgedTicket(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        let otherSigner = await TicketSigner(privateKey: Curve25519.Signing.PrivateKey())
        let forged = try await otherSigner.sign(
            SessionTicket(
                session: "s", channel: .desktop, role: .operator, relay: RelayFixture.relayID))
        try await expectRefused(fixture, transport, ticket: forged, code: "ticket_forged")
        await fixture.relay.shutdown()
    }

    @Test(arguments: Transport.allCases)
    func expiredTicket(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        let expired = try await fixture.ticket(
            session: "s", role: .operator, issuedAt: Date().addingTimeInterval(-120))
        try await expectRefused(fixture, transport, ticket: expired, code: "ticket_expired")
        await fixture.relay.shutdown()
    }

    @Test(arguments: Transport.allCases)
    func replayedTicket(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        let ticket = try await fixture.ticket(session: "s", role: .operator)
        let first = try await fixture.connect(transport, ticket: ticket)
        #expect(try await first.status() == .waiting)
        try await expectRefused(fixture, transport, ticket: ticket, code: "ticket_replayed")
        await first.close()
        await fixture.relay.shutdown()
    }

    @Test(arguments: Transport.allCases)
    func ticketForAnotherRelay(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        let ticket = try await fixture.ticket(session: "s", role: .operator, relay: "relay-other")
        try await expectRefused(fixture, transport, ticket: ticket, code: "ticket_wrong_relay")
        await fixture.relay.shutdown()
    }

    @Test(arguments: Transport.allCases)
    func malformedTicket(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        try await expectRefused(
            fixture, transport, ticket: "not.a.ticket", code: "ticket_malformed")
        try await expectRefused(fixture, transport, ticket: "garbage", code: "ticket_malformed")
        await fixture.relay.shutdown()
    }

    @Test(arguments: Transport.allCases)
    func sameRoleTwiceIsRefused(transport: Transport) async throws {
        let fixture = try await RelayFixture.start()
        let first = try await fixture.connect(
            transport, ticket: try await fixture.ticket(session: "s", role: .operator))
        #expect(try await first.status() == .waiting)
        let second = try await fixture.ticket(session: "s", role: .operator)
        try await expectRefused(fixture, transport, ticket: second, code: "role_taken")
        // The first end is untouched and still pairs.
        let agent = try await fixture.connect(
            transport, ticket: try await fixture.ticket(session: "s", role: .agent))
        #expect(try await agent.status() == .paired)
        #expect(try await first.status() == .paired)
        // A third end once paired is refused too.
        let third = try await fixture.ticket(session: "s", role: .agent)
        try await expectRefused(fixture, transport, ticket: third, code: "role_taken")
        await first.close()
        await agent.close()
        await fixture.relay.shutdown()
    }

    @Test func badGreetingIsRefused() async throws {
        let fixture = try await RelayFixture.start()
        let peer = try await TestPeer.connectTCP(
            port: fixture.tcpPort, ticket: "", greeting: "GET / HTTP/1.1\r\n\r\n")
        #expect(try await peer.status() == .error("bad_greeting"))
        try await peer.waitForClose()
        let ws = try await TestPeer.connectWebSocket(port: fixture.webSocketPort, ticket: nil)
        try await ws.send([1, 2, 3])
        #expect(try await ws.status() == .error("bad_greeting"))
        try await ws.waitForClose()
        await fixture.relay.shutdown()
    }

    @Test func silentConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        let fixture = try await RelayFixture.start { $0.handshakeTimeout = .milliseconds(200) }
        let peer = try await TestPeer.connectWebSocket(port: fixture.webSocketPort, ticket: nil)
        #expect(try await peer.status() == .error("handshake_timeout"))
        try await peer.waitForClose()
        await fixture.relay.shutdown()
    }
}
