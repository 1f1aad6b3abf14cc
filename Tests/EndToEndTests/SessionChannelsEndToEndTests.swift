import Foundation
import TestSupport
import Testing

/// Sessions through the real processes: a session through a standalone relay that outlives
/// the server's start deadline, and a gateway agent whose VNC server is down.
@Suite(.serialized)
struct SessionChannelsEndToEndTests {
    /// Logs in with the command line and bridges device `pc` to a local port.
    private func bridge(_ stack: Stack, company: String) async throws -> Int {
        let config = stack.live.path("cli")
        let cli = try #require(LiveProcesses.binary("tsunagu"))
        let login = try stack.live.start(
            cli,
            [
                "login", "--server", stack.base, "--company", company, "--login", "admin",
                "--password-stdin",
            ],
            log: "login.log", stdin: "admin-password\n",
            environment: ["TSUNAGU_CONFIG_DIR": config])
        #expect(await LiveProcesses.exit(of: login) == 0, "\(stack.live.log("login.log"))")
        let localPort = Stack.freePort()
        _ = try stack.live.start(
            cli, ["connect", "pc", "--password-stdin", "--local-port", "\(localPort)"],
            log: "connect.log", stdin: "pc-password\n",
            environment: ["TSUNAGU_CONFIG_DIR": config])
        #expect(
            await stack.live.wait(timeout: 20) {
                stack.live.log("connect.log").contains("VNC viewer → 127.0.0.1:\(localPort)")
            },
            "\(stack.live.log("connect.log"))")
        return localPort
    }

    private func records(_ stack: Stack, token: String) -> [[String: Any]] {
        let body = (try? stack.http("GET", "/api/v1/connection-log", token: token).body) ?? ""
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    /// The defect of the last wave: the standalone relay's reports carried no open sessions,
    /// so the server's sweeper closed every session older than 75 s as `not_started` with 0
    /// bytes while the relay was still copying. Runs past that deadline for real.
    @Test func aLongSessionThroughAStandaloneRelayIsLoggedWithItsBytes() async throws {
        let stack = try Stack()
        stack.serverOptions = ["--no-embedded-relay"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("LONG")
        let relayPort = Stack.freePort()
        let key = try stack.admin([
            "relay-key", "create", "--id", "relay-x", "--url",
            "ws://127.0.0.1:\(relayPort)/relay/v1",
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try stack.live.start(
            try #require(LiveProcesses.binary("tsunagu-relay")),
            [
                "--listen", "127.0.0.1:\(relayPort)", "--server", stack.base, "--relay-key", key,
                "--report-interval", "1",
            ], log: "relay.log")
        try await stack.startEnrolledAgent(company: "LONG")
        #expect(
            await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) },
            "\(stack.live.log("agent.log"))")
        let localPort = try await bridge(stack, company: "LONG")

        // A viewer that reads the greeting and stays connected, silent.
        let viewer = try stack.live.start(
            "python3",
            [
                "-c",
                """
                import socket, sys, time
                s = socket.create_connection(("127.0.0.1", \(localPort)))
                s.settimeout(60)
                sys.stdout.write(s.recv(12).decode()); sys.stdout.flush()
                time.sleep(300)
                """,
            ], log: "viewer.log")
        #expect(
            await stack.live.wait(timeout: 30) {
                stack.live.log("viewer.log").hasPrefix("RFB 003.008")
            }, "\(stack.live.log("connect.log"))")
        // Past the server's 75 s start deadline and several sweeps: time itself is the point.
        try await Task.sleep(for: .seconds(85))
        #expect(records(stack, token: token).isEmpty, "the session was closed while open")
        stack.live.stop(viewer)

        var logged: [[String: Any]] = []
        _ = await stack.live.wait(timeout: 30) {
            logged = records(stack, token: token)
            return !logged.isEmpty
        }
        let record = try #require(logged.first, "no record: \(stack.live.log("relay.log"))")
        #expect(logged.count == 1)
        let reason = record["endReason"] as? String
        #expect(reason == "operator_closed" || reason == "ended_by_operator", "\(record)")
        #expect((record["bytesFromAgent"] as? Int ?? 0) >= 12, "\(record)")
        #expect(record["relay"] as? String == "relay-x")
        let channels = record["channels"] as? [[String: Any]] ?? []
        #expect(channels.count == 1 && channels.first?["channel"] as? String == "desktop")
        // The log's times are whole seconds (ISO 8601, no fraction).
        let iso = ISO8601DateFormatter()
        let started = (record["startedAt"] as? String).flatMap(iso.date(from:))
        let ended = (record["endedAt"] as? String).flatMap(iso.date(from:))
        let start = try #require(started, "\(record)")
        let end = try #require(ended, "\(record)")
        let lasted = end.timeIntervalSince(start)
        #expect(lasted > 80, "the record says the session lasted \(lasted) s")
    }

    /// A gateway agent (`--vnc`) whose VNC server is down refuses the offer with
    /// `channel_unavailable` instead of accepting and leaving a dead relay connection.
    @Test func aGatewayWhoseBackendIsDownRefusesTheOfferCleanly() async throws {
        let stack = try Stack()
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("GW")
        let enroll = try stack.admin(["enroll-token", "create", "--company", "GW"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let deadPort = Stack.freePort()  // nothing listens there
        _ = try stack.live.start(
            try #require(Stack.agentBinary),
            [
                "run", "--server", stack.base, "--company", "GW", "--name", "pc",
                "--password-stdin", "--vnc", "127.0.0.1:\(deadPort)", "--mode", "unattended",
                "--state-dir", stack.live.path("state"), "--enroll-token", enroll,
            ], log: "agent.log", stdin: "pc-password\n")
        #expect(
            await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) },
            "\(stack.live.log("agent.log"))")
        let created = try stack.http(
            "POST", "/api/v1/sessions",
            json: #"{"device":"pc","password":"pc-password","channel":"desktop"}"#, token: token)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(Stack.field("sessionId", in: created.body))
        var state = ""
        #expect(
            await stack.live.wait(timeout: 20) {
                state = (try? stack.http("GET", "/api/v1/sessions/\(id)", token: token).body) ?? ""
                return Stack.field("status", in: state) == "ended"
            }, "\(state)")
        #expect(Stack.field("endReason", in: state) == "channel_unavailable", "\(state)")
        let agentLog = stack.live.log("agent.log")
        #expect(agentLog.contains("unreachable; refusing"), "\(agentLog)")
        #expect(!agentLog.contains("paired at the relay"), "\(agentLog)")
        let logged = records(stack, token: token)
        #expect(logged.count == 1 && logged.first?["endReason"] as? String == "channel_unavailable")
    }
}
