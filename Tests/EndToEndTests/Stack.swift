import Foundation
import TestSupport
import Testing

/// A real Tsunagu set-up for end-to-end tests: a `tsunagu-server` on its own data directory
/// and port, a company with an admin, and helpers to call its API with curl.
final class Stack: @unchecked Sendable {
    // @unchecked: tests drive one Stack from one task at a time, except a churn loop that
    // only calls `http` (which touches no state).
    let live: LiveProcesses
    let port: Int
    let dataDir: String
    private(set) var server: Process?
    /// The running server process, to signal it.
    var serverProcess: Process? { server }
    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        live = try LiveProcesses()
        port = Stack.freePort()
        dataDir = live.path("data")
    }

    deinit { live.stopAll() }

    static func freePort() -> Int { LiveProcesses.freePort() }

    static var serverBinary: String? { LiveProcesses.binary("tsunagu-server") }
    static var agentBinary: String? { LiveProcesses.binary("tsunagu-agent") }

    /// Extra `serve` options (e.g. `--no-embedded-relay`), kept for restarts.
    var serverOptions: [String] = []
    /// Where the records are, for `serve` and the admin commands alike (e.g. `--database-url`).
    var storageOptions: [String] = []

    /// Starts (or restarts) the server and waits until it is ready.
    func startServer() async throws -> Bool {
        server = try live.start(
            Stack.serverBinary!,
            ["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:\(port)"] + storageOptions
                + serverOptions,
            log: "server.log")
        return await live.wait(timeout: 30) { (try? self.http("GET", "/readyz").status) == 200 }
    }

    func stopServer() {
        if let server { live.stop(server) }
        server = nil
    }

    /// Runs an admin command against the same data directory.
    @discardableResult
    func admin(_ arguments: [String], stdin: String? = nil) throws -> (
        status: Int32, output: String
    ) {
        let log = "admin-\(UUID().uuidString).log"
        let process = try live.start(
            Stack.serverBinary!, arguments + ["--data-dir", dataDir] + storageOptions, log: log,
            stdin: stdin)
        process.waitUntilExit()
        return (process.terminationStatus, live.log(log))
    }

    /// A company with an admin `admin` / `admin-password`; returns the admin's token.
    func makeCompany(_ company: String) throws -> String {
        try admin(["tenant", "create", "--company", company, "--name", company, "--seats", "3"])
        try admin(
            [
                "operator", "create", "--company", company, "--login", "admin", "--role", "admin",
                "--password-stdin",
            ],
            stdin: "admin-password")
        let login = try http(
            "POST", "/api/v1/auth/login",
            json: #"{"company":"\#(company)","login":"admin","password":"admin-password"}"#)
        guard let token = Stack.field("token", in: login.body) else {
            throw StackError("login failed: \(login)")
        }
        return token
    }

    struct StackError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// An HTTP request with curl; the body is sent on standard input.
    func http(
        _ method: String, _ path: String, json: String? = nil, token: String? = nil,
        headers: [String] = []
    ) throws -> (status: Int, body: String) {
        try LiveProcesses.http(method, base + path, json: json, bearer: token, headers: headers)
    }

    /// A top-level string field of a JSON object.
    static func field(_ name: String, in json: String) -> String? {
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        else {
            return nil
        }
        return object[name] as? String
    }

    /// The `online` flag of device `name` in `GET /api/v1/devices`.
    func isOnline(_ name: String, token: String) -> Bool {
        guard let body = try? http("GET", "/api/v1/devices", token: token).body,
            let list = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
        else { return false }
        return list.contains { $0["name"] as? String == name && $0["online"] as? Bool == true }
    }

    /// Starts an Xvfb with an xterm; returns the display name.
    func startDesktop() async throws -> String {
        // A free number well away from the other test targets' ranges (200–999, 1000+pid).
        var number = 0
        repeat {
            number = 40_000 + Int.random(in: 0..<20_000)
        } while FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock")
        let display = ":\(number)"
        try live.start(
            "Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], log: "xvfb.log")
        #expect(await live.displayIsUp(display), "Xvfb \(display) did not come up")
        try live.start("xterm", ["-geometry", "80x24+10+10"], display: display, log: "xterm.log")
        return display
    }

    /// An Xvfb desktop with the agent of `company`'s device `name` on it, enrolled with a fresh
    /// token (unattended, connection password `pc-password`).
    @discardableResult
    func startEnrolledAgent(company: String, name: String = "pc") async throws -> Process {
        let enroll = try admin(["enroll-token", "create", "--company", company]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let display = try await startDesktop()
        return try startAgent(
            company: company, name: name, display: display, stateDir: live.path("state"),
            enrollToken: enroll)
    }

    /// Starts `tsunagu-agent run` against this server.
    func startAgent(
        company: String, name: String, display: String, stateDir: String,
        enrollToken: String? = nil,
        serverKey: String? = nil, log: String = "agent.log", extra: [String] = []
    ) throws -> Process {
        var args = [
            "run", "--server", base, "--company", company, "--name", name, "--password-stdin",
            "--display", display, "--mode", "unattended", "--state-dir", stateDir,
        ]
        if let enrollToken { args += ["--enroll-token", enrollToken] }
        if let serverKey { args += ["--server-key", serverKey] }
        return try live.start(
            Stack.agentBinary!, args + extra, display: display, log: log, stdin: "pc-password\n")
    }
}
