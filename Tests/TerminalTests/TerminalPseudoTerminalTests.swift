import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Terminal

/// Real processes on real PTYs, through `TerminalServerHandler` and `TerminalClient` over a
/// loopback TCP connection.
@Suite(.serialized, .timeLimit(.minutes(2))) struct TerminalPseudoTerminalTests {
    @Test func theExitStatusComesBack() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "exit 7"])
        let output = OutputCollector(terminal)
        #expect(try await terminal.exitStatus() == .exited(7))
        await output.waitForEnd()
        #expect(await eventuallyEmpty(agent))
        try await agent.stop()
    }

    @Test func aSignalIsReportedAsOne() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "kill -TERM $$"])
        let output = OutputCollector(terminal)
        let status = try await terminal.exitStatus()
        #expect(status == .signaled(15))
        #expect(status.code == 143)
        await output.waitForEnd()
        try await agent.stop()
    }

    @Test func outputIsReadBack() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "echo hello-$((6*7))"])
        let output = OutputCollector(terminal)
        #expect(try await terminal.exitStatus() == .exited(0))
        await output.waitForEnd()
        // The PTY turns "\n" into "\r\n" (onlcr), as a terminal emulator expects.
        #expect(output.text.contains("hello-42\r\n"))
        // The arithmetic ran remotely: the command's own text is not what came back.
        #expect(!output.text.contains("$((6*7))"))
        try await agent.stop()
    }

    @Test func inputReachesTheProgram() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "read line; echo \"got:$line\"; exit 4"])
        let output = OutputCollector(terminal)
        terminal.send("abc\r")
        #expect(try await terminal.exitStatus() == .exited(4))
        await output.waitForEnd()
        #expect(output.text.contains("got:abc"))
        try await agent.stop()
    }

    @Test func sttySeesTheSizeAndFollowsAResize() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(
            ["sh", "-c", "stty size; read line; stty size"],
            size: TerminalSize(columns: 100, rows: 30))
        let output = OutputCollector(terminal)
        await output.waitFor("30 100")
        terminal.resize(TerminalSize(columns: 132, rows: 43))
        terminal.send("\r")
        #expect(try await terminal.exitStatus() == .exited(0))
        await output.waitForEnd()
        #expect(output.text.contains("43 132"))
        try await agent.stop()
    }

    @Test func theEnvironmentNamesTheTerminalAndTheOperator() async throws {
        let agent = try await TerminalLoopback.start(
            environment: ["TSUNAGU_OPERATOR": "yamada"])
        // The client cannot pass itself off as another operator: the agent's value wins.
        let terminal = try await agent.open(
            ["sh", "-c", "printf '[%s|%s|%s]' \"$TERM\" \"$TSUNAGU_OPERATOR\" \"$COLORTERM\""],
            environment: ["TSUNAGU_OPERATOR": "mallory", "COLORTERM": "truecolor"])
        let output = OutputCollector(terminal)
        #expect(try await terminal.exitStatus() == .exited(0))
        await output.waitForEnd()
        #expect(output.text.contains("[xterm-256color|yamada|truecolor]"))
        try await agent.stop()
    }

    @Test func theAgentsOwnSecretsAreNotInherited() async throws {
        setenv("TSUNAGU_ENROLL_TOKEN", "secret-enrolment-token", 1)
        defer { unsetenv("TSUNAGU_ENROLL_TOKEN") }
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "printf '[%s]' \"$TSUNAGU_ENROLL_TOKEN\""])
        let output = OutputCollector(terminal)
        #expect(try await terminal.exitStatus() == .exited(0))
        await output.waitForEnd()
        #expect(output.text.contains("[]"))
        try await agent.stop()
    }

    @Test func theLoginShellRunsInTheHomeDirectory() async throws {
        let agent = try await TerminalLoopback.start()
        let account = LoginAccount.current()
        let terminal = try await TerminalClient.open(
            on: agent.connect(), size: TerminalSize(columns: 80, rows: 24))
        let output = OutputCollector(terminal)
        terminal.send("echo \"where=$(pwd) shell=$0\"; exit 3\r")
        #expect(try await terminal.exitStatus() == .exited(3))
        await output.waitForEnd()
        let shellName = String(account.shell.split(separator: "/").last ?? "sh")
        #expect(output.text.contains("where=\(account.home) shell=-\(shellName)"))
        try await agent.stop()
    }

    @Test func aMissingProgramIsRefused() async throws {
        let agent = try await TerminalLoopback.start()
        await #expect {
            _ = try await agent.open(["no-such-program-tsunagu"])
        } throws: { error in
            guard case .refused(let failure) = error as? TerminalClient.Error else { return false }
            return failure.code == .spawnFailed && failure.message.contains("no-such-program")
        }
        #expect(await agent.sessions.count == 0)
        try await agent.stop()
    }

    @Test func aDisabledAgentRefusesTerminals() async throws {
        let agent = try await TerminalLoopback.start(configuration: .init(isEnabled: false))
        await #expect(
            throws: TerminalClient.Error.refused(
                TerminalError(.terminalDisabled, "this agent does not offer terminals"))
        ) {
            _ = try await agent.open(["true"])
        }
        try await agent.stop()
    }

    @Test func anUnknownTokenIsNotFound() async throws {
        let agent = try await TerminalLoopback.start()
        await #expect {
            _ = try await TerminalClient.attach(on: agent.connect(), token: .random())
        } throws: { error in
            guard case .refused(let failure) = error as? TerminalClient.Error else { return false }
            return failure.code == .notFound
        }
        try await agent.stop()
    }

    @Test func aDroppedConnectionReattachesWithinTheGrace() async throws {
        let agent = try await TerminalLoopback.start()
        let first = try await agent.open(["sh"])
        let firstOutput = OutputCollector(first)
        first.send("echo before-$((40+2))\r")
        await firstOutput.waitFor("before-42")
        await first.close()
        await #expect(throws: TerminalClient.Error.disconnected) {
            try await first.exitStatus()
        }
        // The grace timer is set once the agent saw the drop.
        await eventually("the grace period to start") { agent.clock.sleeperCount == 1 }
        agent.clock.advance(by: .seconds(59))
        #expect(await agent.sessions.accepts(first.token))

        let second = try await TerminalClient.attach(on: agent.connect(), token: first.token)
        #expect(second.token == first.token)
        #expect(String(buffer: second.replay).contains("before-42"))
        let secondOutput = OutputCollector(second)
        second.send("echo after-$((50+5)); exit 9\r")
        #expect(try await second.exitStatus() == .exited(9))
        await secondOutput.waitForEnd()
        #expect(secondOutput.text.contains("after-55"))
        // Live output continues where the replay ended: the earlier line is not sent twice.
        // (The collector holds the replay and then the live output.)
        #expect(secondOutput.text.components(separatedBy: "before-42").count == 2)
        try await agent.stop()
    }

    @Test func afterTheGraceTheTokenNoLongerAttaches() async throws {
        let agent = try await TerminalLoopback.start()
        let first = try await agent.open(["sh"])
        let output = OutputCollector(first)
        first.send("echo ready\r")
        await output.waitFor("ready")
        await first.close()
        await eventually("the grace period to start") { agent.clock.sleeperCount == 1 }
        agent.clock.advance(by: .seconds(60))
        await eventually("the token to expire") { await !agent.sessions.accepts(first.token) }
        await #expect {
            _ = try await TerminalClient.attach(on: agent.connect(), token: first.token)
        } throws: { error in
            guard case .refused(let failure) = error as? TerminalClient.Error else { return false }
            return failure.code == .notFound
        }
        // The shell was hung up: it ends without SIGKILL's deadline having come.
        await eventually("the hung-up shell to end") { await agent.sessions.count == 0 }
        try await agent.stop()
    }

    @Test func anExitWhileDetachedIsToldOnReattach() async throws {
        let agent = try await TerminalLoopback.start()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("terminal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The program says goodbye and exits only once the test made `go`, after the close.
        let first = try await agent.open([
            "sh", "-c",
            "echo $$ > \(folder)/pid; read line; while [ ! -e \(folder)/go ]; do sleep 0.05; done; echo bye; exit 5",
        ])
        let output = OutputCollector(first)
        first.send("x\r")
        await output.waitFor("x")
        await first.close()
        await eventually("the grace period to start") { agent.clock.sleeperCount == 1 }
        let pid = try #require(
            Int32(
                (try? String(contentsOfFile: folder + "/pid", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        FileManager.default.createFile(atPath: folder + "/go", contents: nil)
        // Reaped by the agent: it ended while nobody was attached.
        await eventually("the program to end") { kill(pid, 0) == -1 && errno == ESRCH }
        let second = try await TerminalClient.attach(on: agent.connect(), token: first.token)
        let secondOutput = OutputCollector(second)
        #expect(try await second.exitStatus() == .exited(5))
        await secondOutput.waitForEnd()
        #expect(String(buffer: second.replay).contains("bye"))
        await eventually("the terminal to be forgotten") { await agent.sessions.count == 0 }
        try await agent.stop()
    }

    @Test func aSecondAttachTakesTheTerminalOver() async throws {
        let agent = try await TerminalLoopback.start()
        let first = try await agent.open(["sh"])
        let firstOutput = OutputCollector(first)
        first.send("echo one\r")
        await firstOutput.waitFor("one")
        let second = try await TerminalClient.attach(on: agent.connect(), token: first.token)
        let secondOutput = OutputCollector(second)
        await #expect {
            try await first.exitStatus()
        } throws: { error in
            guard case .refused(let failure) = error as? TerminalClient.Error else { return false }
            return failure.code == .takenOver
        }
        second.send("exit 2\r")
        #expect(try await second.exitStatus() == .exited(2))
        await secondOutput.waitForEnd()
        try await agent.stop()
    }

    @Test func aGarbledFirstFrameIsABadRequest() async throws {
        let agent = try await TerminalLoopback.start()
        let channel = try await agent.connect()
        let received = try await RawExchange.send([0, 0, 0, 1, 0x05], over: channel)
        guard case .failure(let failure) = received.first else {
            Issue.record("expected a failure, got \(received)")
            return
        }
        #expect(failure.code == .badRequest)
        try await agent.stop()
    }

    @Test func anotherVersionIsRefusedAsSuch() async throws {
        let agent = try await TerminalLoopback.start()
        let channel = try await agent.connect()
        let received = try await RawExchange.send(
            TerminalCodecTests.raw(0x01, [9, 0, 80, 0, 24, 0, 0, 0, 0]), over: channel)
        guard case .failure(let failure) = received.first else {
            Issue.record("expected a failure, got \(received)")
            return
        }
        #expect(failure.code == .unsupportedVersion)
        try await agent.stop()
    }

    @Test func shutdownEndsEveryTerminal() async throws {
        let agent = try await TerminalLoopback.start()
        let terminal = try await agent.open(["sh", "-c", "trap '' HUP; echo started; sleep 600"])
        let output = OutputCollector(terminal)
        await output.waitFor("started")
        // The process ignores SIGHUP: only SIGKILL, after the hang-up timeout, ends it.
        try await agent.stop()
        #expect(await agent.sessions.count == 0)
        await output.waitForEnd()
    }

    private func eventuallyEmpty(_ agent: TerminalLoopback) async -> Bool {
        await eventually("the terminal to be forgotten") { await agent.sessions.count == 0 }
    }
}

/// Writes raw bytes and collects the messages the agent answers until it closes.
enum RawExchange {
    static func send(_ bytes: [UInt8], over channel: any Channel) async throws -> [TerminalMessage]
    {
        let collector = MessageCollector()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(collector)
        }.get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        try await channel.closeFuture.get()
        return try await channel.eventLoop.submit { collector.messages }.get()
    }
}

final class MessageCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var decoder = TerminalFrameDecoder()
    private var buffer = ByteBuffer()
    // Touched only on the channel's event loop.
    var messages: [TerminalMessage] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        while case .message(let message)? = try? decoder.decode(&buffer) {
            messages.append(message)
        }
    }
}
