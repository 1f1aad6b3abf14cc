import Foundation

/// Real processes for the live interop tests (Xvfb, xterm, the agent, viewers), each killed
/// by its own pid when the test ends.
final class LiveProcesses {
    private var processes: [Process] = []
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tsunagu-live-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { stopAll() }

    /// True when every tool of the live tests and a built agent are there.
    static var interopToolsPresent: Bool {
        ["Xvfb", "xterm", "xclock", "vncdo", "vncviewer", "x11vnc", "import", "python3"].allSatisfy
        {
            which($0) != nil
        } && agentBinary() != nil
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The built `tsunagu-agent`, looked for beside this package's build products.
    static func agentBinary(testFile: String = #filePath) -> String? {
        var root = URL(fileURLWithPath: testFile)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let candidates = [
            root.appendingPathComponent(".build/debug/tsunagu-agent").path,
            root.appendingPathComponent(".build/release/tsunagu-agent").path,
            FileManager.default.currentDirectoryPath + "/.build/debug/tsunagu-agent",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `tool` with `arguments`; output goes to `log` in the test directory.
    @discardableResult
    func start(_ tool: String, _ arguments: [String], display: String? = nil, log: String)
        throws -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveProcesses.which(tool) ?? tool)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let display { environment["DISPLAY"] = display }
        process.environment = environment
        let logURL = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
        return process
    }

    /// Runs `tool` to completion (at most `timeout` seconds) and returns its exit status.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], display: String? = nil, timeout: Double = 60)
        throws -> Int32
    {
        let process = try start(
            tool, arguments, display: display, log: "\(tool)-\(UUID().uuidString).log")
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            return -1
        }
        return process.terminationStatus
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Waits until `condition` holds or `timeout` passes.
    func wait(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    /// SIGTERM, then SIGKILL after two seconds; never blocks longer.
    func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !wait(timeout: 2, { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            _ = wait(timeout: 2) { !process.isRunning }
        }
    }

    func stopAll() {
        for process in processes.reversed() { stop(process) }
        processes = []
    }
}
