import Crypto
import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing
import TsunaguCore

/// The `tsunagu-relay` process against a fake control plane: it waits for the server key,
/// reports load and ended sessions (keeping them while the server is down), closes the
/// sessions the server ends, and reports its own shutdown on SIGTERM.
@Suite struct RelayExecutableTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("tsunagu-relay")

    private func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        return channel.localAddress!.port!
    }

    private func eventually(
        _ what: String, within seconds: Double = 10, _ condition: () -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { throw TestPeer.Failure("never: \(what)") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: binary.path)))
    func reportsAndObeysTheControlPlane() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = await TicketSigner(privateKey: key)
        func ticket(_ session: String, _ role: SessionTicket.Role) async throws -> String {
            try await signer.sign(
                SessionTicket(session: session, channel: .desktop, role: role, relay: "r-7"))
        }
        let control = try await FakeControlPlane.start(
            answer: RelayReportAnswer(
                relayID: "r-7", serverKey: SigningKeyText.format(key.publicKey)),
            down: true)
        let (wsPort, tcpPort) = (try await freePort(), try await freePort())
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = [
            "--listen", "127.0.0.1:\(wsPort)", "--server", "http://127.0.0.1:\(control.port)",
            "--relay-key", "secret-key", "--tcp-listen", "127.0.0.1:\(tcpPort)",
            "--report-interval", "0.2",
        ]
        process.standardError = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Down at first: nothing is accepted until the key is known.
        try await Task.sleep(nanoseconds: 500_000_000)
        await #expect(throws: (any Error).self) {
            _ = try await TestPeer.connectTCP(port: tcpPort, ticket: "x")
        }
        control.state.withLockedValue { $0.down = false }
        try await eventually("the first report") {
            !control.state.withLockedValue { $0.reports.isEmpty }
        }
        #expect(
            control.state.withLockedValue { $0.tokens.allSatisfy { $0 == "Bearer secret-key" } })
        var listening = false
        for _ in 0..<50 where !listening {
            if let peer = try? await TestPeer.connectTCP(port: tcpPort, ticket: "probe") {
                listening = true
                await peer.close()
            } else {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }

        // A session, its bytes and its end reach the control plane.
        let op = try await TestPeer.connectWebSocket(
            port: wsPort, ticket: try await ticket("s1", .operator))
        #expect(try await op.status() == .waiting)
        let agent = try await TestPeer.connectTCP(
            port: tcpPort, ticket: try await ticket("s1", .agent))
        #expect(try await agent.status() == .paired)
        try await op.send([1, 2, 3])
        #expect(try await agent.receive(count: 3) == [1, 2, 3])
        try await eventually("a report with the session") {
            control.state.withLockedValue { $0.reports.last?.sessions == 1 }
        }

        // While the server is down, the end is kept and delivered later.
        control.state.withLockedValue { $0.down = true }
        await agent.close()
        try await op.waitForClose()
        try await Task.sleep(nanoseconds: 600_000_000)
        #expect(control.ended.isEmpty)
        control.state.withLockedValue { $0.down = false }
        try await eventually("the delayed end") { control.ended.count == 1 }
        let first = control.ended[0]
        #expect(first.session == "s1" && first.reason == .agentClosed)
        #expect(first.bytesFromOperator == 3)

        // The server ends a session through its answer.
        let op2 = try await TestPeer.connectTCP(
            port: tcpPort, ticket: try await ticket("s2", .operator))
        #expect(try await op2.status() == .waiting)
        control.state.withLockedValue { $0.answer.endSessions = ["s2"] }
        #expect(try await op2.status() == .error("ended_by_server"))
        try await eventually("the server's end") { control.ended.count == 2 }
        #expect(control.ended[1].reason == .endedByServer)

        // SIGTERM: sessions end as relay_shutdown, are reported, and the process exits.
        let op3 = try await TestPeer.connectTCP(
            port: tcpPort, ticket: try await ticket("s3", .operator))
        #expect(try await op3.status() == .waiting)
        process.terminate()
        #expect(try await op3.status() == .error("relay_shutdown"))
        try await eventually("the exit") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(control.ended.last?.reason == .relayShutdown)
        await control.stop()
    }
}
