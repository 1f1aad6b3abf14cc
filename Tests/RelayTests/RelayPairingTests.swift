import Foundation
import NIOCore
import NIOWebSocket
import Relay
import Testing
import TsunaguCore

/// Real sockets on 127.0.0.1: both ends meet, bytes flow both ways and are counted.
@Suite struct RelayPairingTests {
    typealias Transport = RelayFixture.Transport

    static let combinations: [(Transport, Transport)] = [
        (.webSocket, .webSocket), (.tcp, .tcp), (.webSocket, .tcp), (.tcp, .webSocket),
    ]

    static func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    @Test(arguments: combinations)
    func pairsAndCopiesBothWays(operator opTransport: Transport, agent agentTransport: Transport)
        async throws
    {
        let fixture = try await RelayFixture.start()
        let (op, agent) = try await fixture.pair(
            session: "s1", operator: opTransport, agent: agentTransport)

        let toAgent = Self.pattern(300_000, seed: 1)
        let toOperator = Self.pattern(5_000, seed: 2)
        try await op.send(toAgent)
        try await agent.send(toOperator)
        #expect(try await agent.receive(count: toAgent.count) == toAgent)
        #expect(try await op.receive(count: toOperator.count) == toOperator)
        #expect(fixture.relay.stats.sessions == 1)

        await op.close()
        try await agent.waitForClose()
        let end = try await fixture.nextEnd()
        #expect(end.session == "s1")
        #expect(end.channel == .desktop)
        #expect(end.reason == .operatorClosed)
        #expect(end.bytesFromOperator == Int64(toAgent.count))
        #expect(end.bytesFromAgent == Int64(toOperator.count))
        #expect(end.pairedAt != nil)
        #expect(end.operatorAddress?.hasPrefix("127.0.0.1:") == true)
        #expect(end.agentAddress?.hasPrefix("127.0.0.1:") == true)
        let stats = fixture.relay.stats
        #expect(stats.sessions == 0 && stats.waiting == 0)
        #expect(stats.bytes == Int64(toAgent.count + toOperator.count))
        await fixture.relay.shutdown()
    }

    @Test func agentMayComeFirstAndPayloadSentEarlyIsDelivered() async throws {
        let fixture = try await RelayFixture.start()
        let agent = try await TestPeer.connectTCP(
            port: fixture.tcpPort, ticket: "",
            greeting: RelayHandshake.tcpPrefix
                + (try await fixture.ticket(session: "s2", role: .agent)) + "\nRFB 003.008\n")
        #expect(try await agent.status() == .waiting)
        let op = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "s2", role: .operator))
        #expect(try await op.status() == .paired)
        #expect(try await agent.status() == .paired)
        #expect(try await op.receive(count: 12) == Array("RFB 003.008\n".utf8))
        await agent.close()
        try await op.waitForClose()
        #expect(try await fixture.nextEnd().reason == .agentClosed)
        await fixture.relay.shutdown()
    }

    @Test func channelsOfOneSessionPairSeparately() async throws {
        let fixture = try await RelayFixture.start()
        var peers: [TestPeer] = []
        for channel in [SessionChannel.desktop, .files] {
            let op = try await fixture.connect(
                .tcp,
                ticket: try await fixture.ticket(session: "s3", channel: channel, role: .operator))
            #expect(try await op.status() == .waiting)
            let agent = try await fixture.connect(
                .tcp,
                ticket: try await fixture.ticket(session: "s3", channel: channel, role: .agent))
            #expect(try await agent.status() == .paired)
            try await op.send(Array(channel.rawValue.utf8))
            #expect(
                try await agent.receive(count: channel.rawValue.utf8.count)
                    == Array(channel.rawValue.utf8))
            peers += [op, agent]
        }
        #expect(fixture.relay.stats.sessions == 2)
        for peer in peers { await peer.close() }
        await fixture.relay.shutdown()
    }

    @Test func webSocketAnswersPingsAndReassemblesFragments() async throws {
        let fixture = try await RelayFixture.start()
        let (op, agent) = try await fixture.pair(session: "s4", operator: .webSocket, agent: .tcp)
        try await op.send(
            frame: WebSocketFrame(
                fin: true, opcode: .ping, maskKey: .random(), data: ByteBuffer(string: "hi")))
        _ = try await op.poll("a pong") { $0.pongs > 0 ? true : nil }
        try await op.send(
            frame: WebSocketFrame(
                fin: false, opcode: .binary, maskKey: .random(), data: ByteBuffer(string: "abc")))
        try await op.send(
            frame: WebSocketFrame(
                fin: true, opcode: .continuation, maskKey: .random(),
                data: ByteBuffer(string: "def")))
        #expect(try await agent.receive(count: 6) == Array("abcdef".utf8))
        await op.close()
        await agent.close()
        await fixture.relay.shutdown()
    }

    @Test func oversizedWebSocketFrameClosesTheConnection() async throws {
        let fixture = try await RelayFixture.start { $0.maxFrameSize = 1024 }
        let (op, agent) = try await fixture.pair(session: "s5", operator: .webSocket, agent: .tcp)
        try await op.send([UInt8](repeating: 7, count: 4096))
        try await op.waitForClose()
        try await agent.waitForClose()
        await fixture.relay.shutdown()
    }

    @Test func plainHTTPAndOtherPathsAreRefused() async throws {
        let fixture = try await RelayFixture.start()
        await #expect(throws: TestPeer.Failure.self) {
            _ = try await TestPeer.connectWebSocket(
                port: fixture.webSocketPort, ticket: nil, path: "/elsewhere")
        }
        await fixture.relay.shutdown()
    }
}
