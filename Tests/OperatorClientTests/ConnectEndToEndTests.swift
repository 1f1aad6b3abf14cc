import Foundation
import OperatorClient
import TestSupport
import Testing

/// `tsunagu connect` with real processes: a server with its embedded relay, an agent on an
/// Xvfb with an xterm, and `vncdo` as the VNC viewer on the local port.
@Suite(
    .serialized,
    .enabled(
        if: CLIHarness.serverAndCLIPresent && CLIHarness.agentBinary != nil
            && ["Xvfb", "xterm", "vncdo", "python3"].allSatisfy { LiveProcesses.which($0) != nil },
        "needs tsunagu-server, tsunagu-agent, tsunagu, Xvfb, xterm, vncdo"))
struct ConnectEndToEndTests {
    @Test func aViewerSeesTheScreenThroughTheRelayAndTheLogCountsTheBytes() async throws {
        let harness = try await startOnlineAgent(company: "CONN")

        let port = CLIHarness.freePort()
        let connect = try harness.startTsunagu(
            ["connect", "pc", "--password-stdin", "--local-port", String(port)],
            stdin: "pc-password\n",
            log: "connect")
        #expect(
            await harness.live.wait(timeout: 20) {
                harness.live.log("connect.out").contains("127.0.0.1:\(port)")
            },
            "connect: \(harness.live.log("connect.err"))")
        #expect(harness.live.log("connect.out").contains("VNC viewer → 127.0.0.1:\(port)"))

        // The first viewer: a screenshot of the agent's desktop.
        let first = try await capture(harness, port: port, name: "first.png")
        #expect(first.width == 1280 && first.height == 800, "\(diagnostics(harness))")
        #expect(first.colours > 1, "the capture is blank")

        let records = try await waitForRecords(harness, count: 1)
        #expect(records.count == 1, "\(diagnostics(harness))")
        if let record = records.first {
            #expect(
                record.device == "pc" && record.operator == "admin" && record.channel == .desktop)
            #expect(record.bytesFromOperator > 0 && record.bytesFromAgent > 0)
            #expect(record.bytesFromAgent > 1000, "a 1280×800 screen is more than a handshake")
        }

        // A second viewer gets a session of its own.
        let second = try await capture(harness, port: port, name: "second.png")
        #expect(second.width == 1280 && second.colours > 1)
        let both = try await waitForRecords(harness, count: 2)
        #expect(both.count == 2 && Set(both.map(\.sessionId)).count == 2)

        // Ctrl+C ends `connect` cleanly.
        kill(connect.processIdentifier, SIGINT)
        #expect(await harness.live.wait(timeout: 10) { !connect.isRunning })
        #expect(connect.terminationStatus == 0, "\(harness.live.log("connect.err"))")
        #expect(harness.live.log("connect.out").contains("ended"))
    }

    @Test func aWrongConnectionPasswordStopsConnectWithAClearError() async throws {
        let harness = try await startOnlineAgent(company: "CONW")
        let port = CLIHarness.freePort()
        let connect = try harness.startTsunagu(
            ["connect", "pc", "--password-stdin", "--local-port", String(port)], stdin: "wrong\n",
            log: "connect")
        #expect(
            await harness.live.wait(timeout: 20) {
                harness.live.log("connect.out").contains("127.0.0.1:\(port)")
            })
        _ = try? await capture(harness, port: port, name: "never.png", timeout: 15)
        #expect(await harness.live.wait(timeout: 10) { !connect.isRunning })
        #expect(connect.terminationStatus != 0)
        #expect(
            harness.live.log("connect.err").contains(
                "The connection password is wrong; 4 more tries before a 5-minute lock."))
        #expect(harness.live.log("connect.err").contains("接続パスワードが違います"))
    }

    // MARK: - Helpers

    private func startDesktop(_ harness: CLIHarness) async throws -> String {
        let display = ":\(600 + Int(getpid() % 300))"
        try harness.live.start(
            "Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], log: "xvfb.log")
        #expect(await harness.live.displayIsUp(display), "Xvfb \(display) did not come up")
        try harness.live.start(
            "xterm", ["-geometry", "80x24+10+10"], display: display, log: "xterm.log")
        return display
    }

    private struct Picture {
        var width = 0
        var height = 0
        var colours = 0
    }

    /// `vncdo capture` on the local port, then the PNG's size and number of colours (Pillow
    /// comes with vncdotool).
    private func capture(_ harness: CLIHarness, port: Int, name: String, timeout: Double = 60)
        async throws -> Picture
    {
        let png = harness.live.path(name)
        try await harness.live.run(
            "vncdo", ["-s", "127.0.0.1::\(port)", "capture", png], timeout: timeout)
        guard FileManager.default.fileExists(atPath: png) else { return Picture() }
        let script =
            "from PIL import Image; im = Image.open('\(png)').convert('RGB'); "
            + "print(im.size[0], im.size[1], len(im.getcolors(1 << 24)))"
        let log = "pil-\(name).log"
        try harness.live.start("python3", ["-c", script], log: log).waitUntilExit()
        let numbers = harness.live.log(log).split(whereSeparator: \.isWhitespace).compactMap {
            Int($0)
        }
        guard numbers.count == 3 else { return Picture() }
        return Picture(width: numbers[0], height: numbers[1], colours: numbers[2])
    }

    /// The connection log (via `tsunagu log export`) once it has `count` records, or as it is
    /// after 20 s: the record is written when the relay reports the session's end.
    private func waitForRecords(_ harness: CLIHarness, count: Int) async throws
        -> [ConnectionRecord]
    {
        var records: [ConnectionRecord] = []
        _ = await harness.live.wait(timeout: 20) {
            guard
                let out = try? await harness.tsunagu(["log", "export", "--format", "json"]).stdout,
                let decoded = try? APIJSON.decoder().decode(
                    [ConnectionRecord].self, from: Data(out.utf8))
            else { return false }
            records = decoded
            return decoded.count >= count
        }
        return records
    }

    private func diagnostics(_ harness: CLIHarness) -> String {
        "connect: \(harness.live.log("connect.out"))\(harness.live.log("connect.err"))\n"
            + "agent: \(harness.live.log("agent.log").suffix(2000))\nserver: \(harness.live.log("server.log").suffix(2000))"
    }

    /// A server, a company with an admin logged in through the CLI, and an enrolled agent
    /// `pc` (password `pc-password`) on its own desktop, online.
    private func startOnlineAgent(company: String) async throws -> CLIHarness {
        let harness = try CLIHarness()
        #expect(try await harness.startServer(), "\(harness.live.log("server.log"))")
        try harness.makeCompany(company)
        #expect(try await harness.login(company).status == 0)
        let enrollToken = try harness.admin(["enroll-token", "create", "--company", company]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let display = try await startDesktop(harness)
        try harness.live.start(
            CLIHarness.agentBinary!,
            [
                "run", "--server", harness.base, "--company", company, "--name", "pc",
                "--password-stdin",
                "--enroll-token", enrollToken, "--display", display, "--mode", "unattended",
                "--state-dir", harness.live.path("agent-state"),
            ], display: display, log: "agent.log", stdin: "pc-password\n")
        #expect(
            await harness.live.wait(timeout: 30) {
                (try? await harness.tsunagu(["devices"]).stdout.contains("online")) == true
            }, "agent: \(harness.live.log("agent.log"))")
        return harness
    }
}
