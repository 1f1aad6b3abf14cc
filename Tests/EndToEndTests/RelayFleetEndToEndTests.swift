import Foundation
import TestSupport
import Testing

/// Two standalone relays behind one server: sessions go to the less loaded one, a relay
/// killed with SIGKILL gets no new sessions and its sessions are logged `relay_lost`.
@Suite(.serialized)
struct RelayFleetEndToEndTests {
    @Test func sessionsSpreadByLoadAndSurviveALostRelay() async throws {
        let stack = try Stack()
        stack.serverOptions = ["--no-embedded-relay"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("FLEET")
        #expect(LiveProcesses.binary("tsunagu-relay") != nil && LiveProcesses.binary("tsunagu") != nil)

        // Two relays, each registered with its own key.
        var relays: [String: Process] = [:]
        for id in ["relay-a", "relay-b"] {
            let port = Stack.freePort()
            let key = try stack.admin(["relay-key", "create", "--id", id, "--url", "ws://127.0.0.1:\(port)/relay/v1"])
                .output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(key.hasPrefix("tsr_"), "\(key)")
            relays[id] = try stack.live.start(
                LiveProcesses.binary("tsunagu-relay")!,
                ["--listen", "127.0.0.1:\(port)", "--server", stack.base, "--relay-key", key, "--report-interval", "1"],
                log: "\(id).log")
        }

        try await stack.startEnrolledAgent(company: "FLEET")
        #expect(await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) }, "\(stack.live.log("agent.log"))")

        // The operator's command line: log in, then a local VNC port bridged through a relay.
        let config = stack.live.path("cli")
        let cli = LiveProcesses.binary("tsunagu")!
        let login = try stack.live.start(
            cli, ["login", "--server", stack.base, "--company", "FLEET", "--login", "admin", "--password-stdin"],
            log: "login.log", stdin: "admin-password\n", environment: ["TSUNAGU_CONFIG_DIR": config])
        login.waitUntilExit()
        #expect(login.terminationStatus == 0, "\(stack.live.log("login.log"))")
        let localPort = Stack.freePort()
        _ = try stack.live.start(
            cli, ["connect", "pc", "--password-stdin", "--local-port", "\(localPort)"], log: "connect.log",
            stdin: "pc-password\n", environment: ["TSUNAGU_CONFIG_DIR": config])
        try await Task.sleep(for: .seconds(2))

        /// A viewer that connects, reads the server's RFB greeting, and stays.
        func viewer(_ name: String) throws -> Process {
            let script = """
                import socket, sys, time
                s = socket.create_connection(("127.0.0.1", \(localPort)))
                s.settimeout(30)
                sys.stdout.write(s.recv(12).decode()); sys.stdout.flush()
                time.sleep(120)
                """
            return try stack.live.start("python3", ["-c", script], log: "\(name).log")
        }
        let first = try viewer("viewer1")
        #expect(await stack.live.wait(timeout: 20) { stack.live.log("viewer1.log").hasPrefix("RFB 003.008") }, "\(stack.live.log("connect.log"))")
        try await Task.sleep(for: .seconds(3))  // both relays report their load
        let second = try viewer("viewer2")
        #expect(await stack.live.wait(timeout: 20) { stack.live.log("viewer2.log").hasPrefix("RFB 003.008") })
        try await Task.sleep(for: .seconds(2))

        // relay-a dies without a word.
        kill(relays["relay-a"]!.processIdentifier, SIGKILL)
        // It is dropped after 15 s of silence; then new sessions go to relay-b only.
        try await Task.sleep(for: .seconds(21))
        let third = try viewer("viewer3")
        #expect(await stack.live.wait(timeout: 20) { stack.live.log("viewer3.log").hasPrefix("RFB 003.008") }, "\(stack.live.log("connect.log"))")

        for process in [first, second, third] { stack.live.stop(process) }
        // The bridge ends each session; relay-b reports the ends with their byte counts.
        var records: [[String: Any]] = []
        _ = await stack.live.wait(timeout: 30) {
            let body = (try? stack.http("GET", "/api/v1/connection-log", token: token).body) ?? ""
            records = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
            return records.count >= 3
        }
        #expect(records.count == 3, "\(records)")
        guard records.count == 3 else { return }
        let relaysUsed = records.map { $0["relay"] as? String ?? "" }
        #expect(Set(relaysUsed.prefix(3)) == ["relay-a", "relay-b"], "sessions spread over both relays: \(relaysUsed)")
        let onA = records.filter { $0["relay"] as? String == "relay-a" }
        #expect(onA.count == 1 && onA.first?["endReason"] as? String == "relay_lost", "\(onA)")
        let third3 = records.first { ($0["requestedAt"] as? String ?? "") == records.map { $0["requestedAt"] as? String ?? "" }.max() }
        #expect(third3?["relay"] as? String == "relay-b", "after relay-a died, new sessions go to relay-b")
        let onB = records.filter { $0["relay"] as? String == "relay-b" }
        #expect(onB.allSatisfy { ($0["bytesFromAgent"] as? Int ?? 0) > 0 }, "relay-b counted the bytes: \(onB)")
    }
}
