import Foundation
import TestSupport
import Testing

/// Two `tsunagu-server` instances on one PostgreSQL database (DESIGN.md, "Scale"): an
/// operator served by one instance reaches an agent connected to the other, the offer
/// crossing over PostgreSQL LISTEN/NOTIFY, and each instance's embedded relay is its own.
@Suite(.serialized, .enabled(if: ThrowawayPostgres.adminURL != nil, "needs make test's PostgreSQL"))
struct ServerClusterEndToEndTests {
    /// Instance `id` of a two-server set-up on `databaseURL`.
    private func instance(_ id: String, databaseURL: String, identityFrom other: Stack? = nil)
        throws
        -> Stack
    {
        let stack = try Stack()
        stack.storageOptions = ["--database-url", databaseURL]
        stack.serverOptions = ["--instance-id", id]
        if let other {
            // Every instance signs with the same server key (agents pin it, relays trust it).
            try FileManager.default.createDirectory(
                atPath: stack.dataDir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: other.dataDir + "/server-identity.ed25519",
                toPath: stack.dataDir + "/server-identity.ed25519")
        }
        return stack
    }

    @Test func operatorOnOneInstanceReachesAnAgentOnTheOther() async throws {
        let url = try ThrowawayPostgres.createDatabase()
        let east = try instance("east", databaseURL: url)
        #expect(try await east.startServer(), "\(east.live.log("server.log"))")
        let west = try instance("west", databaseURL: url, identityFrom: east)
        #expect(try await west.startServer(), "\(west.live.log("server.log"))")
        _ = try east.makeCompany("CLUSTER")
        let login = try west.http(
            "POST", "/api/v1/auth/login",
            json: #"{"company":"CLUSTER","login":"admin","password":"admin-password"}"#)
        let westToken = try #require(Stack.field("token", in: login.body), "\(login)")

        // The agent knows only east.
        try await east.startEnrolledAgent(company: "CLUSTER")
        #expect(
            await west.live.wait(timeout: 20) { west.isOnline("pc", token: westToken) },
            "west sees the agent east holds: \(east.live.log("agent.log"))")

        // The operator's command line talks to west only.
        let config = west.live.path("cli")
        let cli = try #require(LiveProcesses.binary("tsunagu"))
        let cliLogin = try west.live.start(
            cli,
            [
                "login", "--server", west.base, "--company", "CLUSTER", "--login", "admin",
                "--password-stdin",
            ],
            log: "login.log", stdin: "admin-password\n", environment: ["TSUNAGU_CONFIG_DIR": config]
        )
        cliLogin.waitUntilExit()
        #expect(cliLogin.terminationStatus == 0, "\(west.live.log("login.log"))")
        let localPort = Stack.freePort()
        _ = try west.live.start(
            cli, ["connect", "pc", "--password-stdin", "--local-port", "\(localPort)"],
            log: "connect.log",
            stdin: "pc-password\n", environment: ["TSUNAGU_CONFIG_DIR": config])
        try await Task.sleep(for: .seconds(2))

        // Two viewers in turn: each is a session offered through west to east's agent.
        for round in 1...2 {
            let script = """
                import socket, sys
                s = socket.create_connection(("127.0.0.1", \(localPort)))
                s.settimeout(30)
                sys.stdout.write(s.recv(12).decode()); sys.stdout.flush()
                s.sendall(b"RFB 003.008\\n")
                n = s.recv(1)[0]; types = s.recv(n)
                sys.stdout.write(" types=%s" % list(types)); sys.stdout.flush()
                """
            let viewer = try west.live.start("python3", ["-c", script], log: "viewer\(round).log")
            #expect(
                await west.live.wait(timeout: 25) {
                    west.live.log("viewer\(round).log").contains("types=")
                },
                "viewer \(round): \(west.live.log("viewer\(round).log")) / \(west.live.log("connect.log")) / \(east.live.log("server.log"))"
            )
            #expect(west.live.log("viewer\(round).log").hasPrefix("RFB 003.008"))
            viewer.waitUntilExit()
        }

        var records: [[String: Any]] = []
        _ = await east.live.wait(timeout: 30) {
            let body =
                (try? east.http("GET", "/api/v1/connection-log", token: westToken).body) ?? ""
            records =
                (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
            return records.count >= 2
        }
        #expect(records.count == 2, "\(records)")
        for record in records {
            #expect(
                ["embedded-east", "embedded-west"].contains(record["relay"] as? String ?? ""),
                "\(record)")
            #expect(
                (record["bytesFromAgent"] as? Int ?? 0) > 0,
                "the relay counted the agent's bytes: \(record)")
        }

        // West restarts after a crash: it closes what its own relay held, nothing of east's.
        kill(west.serverProcess!.processIdentifier, SIGKILL)
        west.stopServer()
        #expect(try await west.startServer(), "\(west.live.log("server.log"))")
        #expect(east.isOnline("pc", token: westToken), "east still holds the agent")

        // East stops: the agent's connection goes with it, and west sees the device offline.
        east.stopServer()
        #expect(await west.live.wait(timeout: 15) { !west.isOnline("pc", token: westToken) })
    }
}
