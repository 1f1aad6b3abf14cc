import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Relay
import Testing

/// Timeouts, the session cap, backpressure, and ending sessions from outside.
@Suite struct RelayLimitsTests {
    typealias Transport = RelayFixture.Transport

    @Test func firstEndGivesUpAfterThePeerTimeout() async throws {
        let fixture = try await RelayFixture.start(peerTimeout: .milliseconds(300))
        let op = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "s", role: .operator))
        #expect(try await op.status() == .waiting)
        #expect(try await op.status() == .error("peer_timeout"))
        try await op.waitForClose()
        let end = try await fixture.nextEnd()
        #expect(end.reason == .peerTimeout)
        #expect(end.pairedAt == nil)
        #expect(end.operatorAddress != nil && end.agentAddress == nil)
        #expect(fixture.relay.stats.waiting == 0)
        await fixture.relay.shutdown()
    }

    @Test func silentPairIsClosedAfterTheIdleTimeout() async throws {
        // Generous against a loaded machine (the whole suite runs in parallel): gaps of a
        // fifth of the idle time keep the pair open past several idle periods.
        let fixture = try await RelayFixture.start(idleTimeout: .seconds(2))
        let (op, agent) = try await fixture.pair(session: "s", operator: .tcp, agent: .webSocket)
        for _ in 0..<4 {
            try await Task.sleep(nanoseconds: 400_000_000)
            try await op.send([1])
        }
        #expect(try await agent.receive(count: 4) == [1, 1, 1, 1])
        #expect(!op.isClosed && !agent.isClosed)
        try await op.waitForClose(within: 10)
        try await agent.waitForClose(within: 10)
        let end = try await fixture.nextEnd()
        #expect(end.reason == .idleTimeout)
        #expect(end.bytesFromOperator == 4)
        await fixture.relay.shutdown()
    }

    @Test func sessionCapRefusesNewChannelsButCompletesWaitingOnes() async throws {
        let fixture = try await RelayFixture.start(maxSessions: 2)
        let a = try await fixture.connect(
            .tcp, ticket: try await fixture.ticket(session: "a", role: .operator))
        let b = try await fixture.connect(
            .tcp, ticket: try await fixture.ticket(session: "b", role: .operator))
        #expect(try await a.status() == .waiting)
        #expect(try await b.status() == .waiting)
        let c = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "c", role: .operator))
        #expect(try await c.status() == .error("relay_full"))
        try await c.waitForClose()
        let agentA = try await fixture.connect(
            .tcp, ticket: try await fixture.ticket(session: "a", role: .agent))
        #expect(try await agentA.status() == .paired)
        for peer in [a, b, agentA] { await peer.close() }
        await fixture.relay.shutdown()
    }

    @Test(arguments: [(Transport.tcp, Transport.tcp), (.webSocket, .tcp), (.tcp, .webSocket)])
    func slowReaderSlowsItsWriterAndMemoryStaysBounded(
        writer writerTransport: Transport, reader readerTransport: Transport
    ) async throws {
        let fixture = try await RelayFixture.start()
        let (writer, reader) = try await fixture.pair(
            session: "bp", operator: writerTransport, agent: readerTransport)
        try await reader.setReading(false)

        // The writer pushes up to 256 MiB for at most 3 s; it must stall long before.
        let chunk = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 / 7) })
        let limit = 256 << 20
        let accepted = ManagedCounter()
        let pushing = Task {
            while accepted.value < limit, !Task.isCancelled {
                try await writer.send(chunk)
                accepted.add(chunk.readableBytes)
            }
        }
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let stalledAt = accepted.value
        var held = 0
        for _ in 0..<10 {
            held = max(held, await fixture.relay.bufferedBytes(session: "bp", channel: .desktop))
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(stalledAt < limit, "the writer was never slowed")
        #expect(held < 1 << 20, "the relay holds \(held) bytes")
        #expect(accepted.value == stalledAt || accepted.value - stalledAt < 1 << 20)

        // Once the reader reads again, every byte arrives in order.
        try await reader.setReading(true)
        pushing.cancel()
        let sent = accepted.value
        let received = try await reader.receive(count: sent, within: 20)
        let expected = Array(chunk.readableBytesView)
        #expect(received.count == sent)
        #expect(
            stride(from: 0, to: sent, by: 65_536).allSatisfy {
                received[$0..<$0 + 65_536].elementsEqual(expected)
            })
        await writer.close()
        await reader.close()
        await fixture.relay.shutdown()
    }

    @Test func endSessionClosesPairedAndWaitingChannels() async throws {
        let fixture = try await RelayFixture.start()
        let (op, agent) = try await fixture.pair(session: "x", operator: .webSocket, agent: .tcp)
        let files = try await fixture.connect(
            .tcp, ticket: try await fixture.ticket(session: "x", channel: .files, role: .agent))
        #expect(try await files.status() == .waiting)
        let other = try await fixture.connect(
            .tcp, ticket: try await fixture.ticket(session: "y", role: .agent))
        #expect(try await other.status() == .waiting)

        #expect(fixture.relay.end(session: "x") == 2)
        try await op.waitForClose()
        try await agent.waitForClose()
        #expect(try await files.status() == .error("ended_by_server"))
        try await files.waitForClose()
        let reasons = [try await fixture.nextEnd(), try await fixture.nextEnd()]
        #expect(reasons.allSatisfy { $0.reason == .endedByServer && $0.session == "x" })
        #expect(!other.isClosed)
        #expect(fixture.relay.stats.waiting == 1)
        await other.close()
        await fixture.relay.shutdown()
    }

    @Test func shutdownEndsEverythingAndFinishesEvents() async throws {
        let fixture = try await RelayFixture.start()
        let (op, agent) = try await fixture.pair(session: "z", operator: .tcp, agent: .tcp)
        let waiting = try await fixture.connect(
            .webSocket, ticket: try await fixture.ticket(session: "w", role: .operator))
        #expect(try await waiting.status() == .waiting)
        await fixture.relay.shutdown()
        try await op.waitForClose()
        try await agent.waitForClose()
        #expect(try await waiting.status() == .error("relay_shutdown"))
        let ends = [try await fixture.nextEnd(), try await fixture.nextEnd()]
        #expect(ends.allSatisfy { $0.reason == .relayShutdown })
        await #expect(throws: (any Error).self) {
            _ = try await TestPeer.connectTCP(port: fixture.tcpPort, ticket: "t")
        }
    }
}

/// A counter shared between a test and the task it starts.
final class ManagedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    var value: Int { box.withLockedValue { $0 } }
    func add(_ n: Int) { box.withLockedValue { $0 += n } }
}
