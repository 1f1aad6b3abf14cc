import Foundation
import TsunaguCore

/// Real processes for the live tests (Xvfb, xterm, the server, the agent, viewers), each
/// killed by its own pid when the test ends. Shared by the test targets that run processes.
public final class LiveProcesses {
    private var processes: [Process] = []
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tsunagu-live-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { stopAll() }

    /// True when every tool of the live tests and a built agent are there.
    public static var interopToolsPresent: Bool {
        ["Xvfb", "xterm", "xclock", "vncdo", "vncviewer", "x11vnc", "import", "python3"].allSatisfy
        {
            which($0) != nil
        } && agentBinary() != nil
    }

    /// Keeps the test process's sockets out of the programs tests start (see
    /// `InheritedDescriptors`): an inherited connection never closes, which broke the relay's
    /// socket tests whenever another test started a server at the same time.
    public static func markDescriptorsCloseOnExec() {
        InheritedDescriptors.markSocketsCloseOnExec()
    }

    /// An HTTP request with curl (the JSON body goes on standard input, so any size fits);
    /// returns the status (0 when nothing answered) and the body.
    public static func http(
        _ method: String, _ url: String, json: String? = nil, bearer: String? = nil,
        headers: [String] = []
    ) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var args = ["-s", "-m", "30", "-o", "-", "-w", "\n%{http_code}", "-X", method, url]
        if let bearer { args += ["-H", "Authorization: Bearer \(bearer)"] }
        for header in headers { args += ["-H", header] }
        if json != nil { args += ["-H", "content-type: application/json", "--data-binary", "@-"] }
        process.arguments = args
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        markDescriptorsCloseOnExec()
        try process.run()
        if let json { input.fileHandleForWriting.write(Data(json.utf8)) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// A blocking TCP socket connected to `127.0.0.1:port`, with a receive timeout when given;
    /// the caller closes it.
    public static func connectLoopback(port: Int, receiveTimeoutSeconds: Int? = nil) throws -> Int32
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackSocketError(description: "socket: errno \(errno)") }
        if let receiveTimeoutSeconds {
            var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw LoopbackSocketError(description: "connect to port \(port): errno \(code)")
        }
        return fd
    }

    /// A loopback TCP port that was free a moment ago (bound to port 0, then released).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    public static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The built `tsunagu-agent`, looked for beside this package's build products.
    public static func agentBinary() -> String? { binary("tsunagu-agent") }

    /// A built executable of this package: `TSUNAGU_BIN_DIR`, else `.build/debug` of the
    /// package this file is in, else of the current directory.
    public static func binary(_ name: String, testFile: String = #filePath) -> String? {
        var root = URL(fileURLWithPath: testFile)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["TSUNAGU_BIN_DIR"] {
            candidates.append("\(dir)/\(name)")
        }
        candidates.append(root.appendingPathComponent(".build/debug/\(name)").path)
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/\(name)")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `tool` with `arguments`; output goes to `log` in the test directory.
    @discardableResult
    public func start(
        _ tool: String, _ arguments: [String], display: String? = nil, log: String,
        stdin: String? = nil, environment extra: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveProcesses.which(tool) ?? tool)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        if let display { environment["DISPLAY"] = display }
        environment.merge(extra) { $1 }
        process.environment = environment
        let logURL = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        let input = Pipe()
        process.standardInput = input
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        processes.append(process)
        return process
    }

    /// Runs `tool` to completion (at most `timeout` seconds) and returns its exit status.
    @discardableResult
    public func run(
        _ tool: String, _ arguments: [String], display: String? = nil, timeout: Double = 60
    ) async throws -> Int32 {
        let process = try start(
            tool, arguments, display: display, log: "\(tool)-\(UUID().uuidString).log")
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            return -1
        }
        return process.terminationStatus
    }

    public func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Waits until `condition` holds or `timeout` passes. Suspends between checks rather than
    /// blocking a thread: Swift's cooperative pool has one thread per core, and a test that
    /// blocks them stalls every other test's tasks in the process for as long.
    public func wait(timeout: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return await condition()
    }

    /// Waits until the X server at `display` answers a client. (Its socket file appears at
    /// bind, before it accepts, so a client started on the file alone may be refused.)
    public func displayIsUp(_ display: String, timeout: Double = 15) async -> Bool {
        await wait(timeout: timeout) {
            (try? await run("xdpyinfo", [], display: display, timeout: 5)) == 0
        }
    }

    /// Waits for `process` to end, suspending rather than blocking a thread (see `wait`).
    public static func exit(of process: Process) async -> Int32 {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        process.waitUntilExit()  // returns at once; lets Foundation record the status
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after two seconds; never blocks longer. (Blocking: it also runs
    /// from `deinit`; processes end on SIGTERM in milliseconds.)
    public func stop(_ process: Process) {
        guard process.isRunning else { return }
        func exited(within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            return !process.isRunning
        }
        kill(process.processIdentifier, SIGTERM)
        if !exited(within: 2) {
            kill(process.processIdentifier, SIGKILL)
            _ = exited(within: 2)
        }
    }

    public func stopAll() {
        for process in processes.reversed() { stop(process) }
        processes = []
    }
}

/// A loopback socket that could not be made or connected.
public struct LoopbackSocketError: Error, CustomStringConvertible {
    public let description: String
}
