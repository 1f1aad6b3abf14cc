import Foundation
import TestSupport

/// A real `tsunagu-server` on its own port and data directory, and the `tsunagu` command
/// line run against it with its own config directory (`TSUNAGU_CONFIG_DIR`).
final class CLIHarness {
    let live: LiveProcesses
    let port: Int
    let dataDir: String
    let configDir: String
    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        live = try LiveProcesses()
        port = CLIHarness.freePort()
        dataDir = live.path("data")
        configDir = live.path("config")
    }

    deinit { live.stopAll() }

    static var serverBinary: String? { LiveProcesses.binary("tsunagu-server") }
    static var agentBinary: String? { LiveProcesses.binary("tsunagu-agent") }
    static var cliBinary: String? { LiveProcesses.binary("tsunagu") }
    static var serverAndCLIPresent: Bool { serverBinary != nil && cliBinary != nil }

    /// Starts the server and waits until `/readyz` answers 200.
    func startServer() async throws -> Bool {
        try live.start(
            CLIHarness.serverBinary!,
            ["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:\(port)"],
            log: "server.log")
        return await live.wait(timeout: 30) { self.httpStatus("/readyz") == 200 }
    }

    /// Runs a `tsunagu-server` admin command on the same data directory.
    @discardableResult
    func admin(_ arguments: [String], stdin: String? = nil) throws -> (
        status: Int32, output: String
    ) {
        let log = "admin-\(UUID().uuidString).log"
        let process = try live.start(
            CLIHarness.serverBinary!, arguments + ["--data-dir", dataDir], log: log, stdin: stdin)
        process.waitUntilExit()
        return (process.terminationStatus, live.log(log))
    }

    /// A company with an admin `admin` / `admin-password`.
    func makeCompany(_ company: String) throws {
        try admin(["tenant", "create", "--company", company, "--name", company, "--seats", "3"])
        try admin(
            [
                "operator", "create", "--company", company, "--login", "admin", "--role", "admin",
                "--password-stdin",
            ],
            stdin: "admin-password")
    }

    /// Runs `tsunagu` to completion (at most `timeout` seconds).
    func tsunagu(_ arguments: [String], stdin: String? = nil, timeout: Double = 60) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let name = UUID().uuidString
        let process = try startTsunagu(arguments, stdin: stdin, log: name)
        if !(await live.wait(timeout: timeout) { !process.isRunning }) { live.stop(process) }
        process.waitUntilExit()
        return (process.terminationStatus, live.log("\(name).out"), live.log("\(name).err"))
    }

    /// Starts `tsunagu`; its output goes to `log.out` and `log.err` in the test directory.
    func startTsunagu(_ arguments: [String], stdin: String? = nil, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLIHarness.cliBinary!)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TSUNAGU_CONFIG_DIR"] = configDir
        process.environment = environment
        for suffix in ["out", "err"] {
            FileManager.default.createFile(atPath: live.path("\(log).\(suffix)"), contents: nil)
        }
        process.standardOutput = try FileHandle(
            forWritingTo: URL(fileURLWithPath: live.path("\(log).out")))
        process.standardError = try FileHandle(
            forWritingTo: URL(fileURLWithPath: live.path("\(log).err")))
        let input = Pipe()
        process.standardInput = input
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        processes.append(process)
        return process
    }

    /// `tsunagu login` as the company's admin.
    func login(_ company: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await tsunagu(
            [
                "login", "--server", base, "--company", company, "--login", "admin",
                "--password-stdin",
            ],
            stdin: "admin-password\n")
    }

    /// Stops the `tsunagu` processes this harness started.
    func stopCLIs() {
        for process in processes { live.stop(process) }
        processes = []
    }

    private var processes: [Process] = []

    /// The status of a GET, by curl.
    func httpStatus(_ path: String) -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", base + path]
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return 0 }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self)) ?? 0
    }

    static func freePort() -> Int { LiveProcesses.freePort() }
}
