import CXCB
import Foundation
import TestSupport

/// A private Xvfb for one test, with the X clients the test starts; all killed by ``stop()``.
///
/// The display number comes from the test process's pid (plus a random offset for tests
/// running in parallel), so engineers running Xvfb side by side do not collide.
final class XvfbServer {
    let display: String
    private let server: Process
    private var clients: [Process] = []

    init(width: Int = 1920, height: Int = 1080) throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        for _ in 0..<30 {
            let number = 1000 + (pid % 2000) * 16 + Int.random(in: 0..<16)
            guard !FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
            process.arguments = [
                ":\(number)", "-screen", "0", "\(width)x\(height)x24", "-nolisten", "tcp",
                "-noreset",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            LiveProcesses.markDescriptorsCloseOnExec()
            try process.run()
            if Self.waitUntil(seconds: 10, { !process.isRunning || Self.canConnect(":\(number)") }),
                process.isRunning
            {
                display = ":\(number)"
                server = process
                return
            }
            process.terminate()
            process.waitUntilExit()
        }
        throw XvfbError.cannotStart
    }

    enum XvfbError: Error {
        case cannotStart
        case timeout(String)
    }

    deinit { stop() }

    /// Starts an X client on this display; it is killed by ``stop()``.
    @discardableResult
    func launch(_ path: String, _ arguments: [String], environment: [String: String] = [:])
        throws -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        clients.append(process)
        return process
    }

    /// Runs a client to completion and returns its standard output. Not for clients that
    /// leave a background child holding the output pipe open (xclip -i).
    func run(_ path: String, _ arguments: [String], while pump: () throws -> Void = {}) throws
        -> Data
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        clients.append(process)
        // Keep our own X connection answering (clipboard requests) while the client runs.
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning {
            try pump()
            usleep(2000)
            if Date() > deadline {
                process.terminate()
                throw XvfbError.timeout(path)
            }
        }
        return output.fileHandleForReading.readDataToEndOfFile()
    }

    func stop() {
        for client in clients where client.isRunning { client.terminate() }
        clients.removeAll()
        guard server.isRunning else { return }
        server.terminate()
        // Xvfb sometimes sits on SIGTERM while clients hang on; do not let a test wait.
        if !Self.waitUntil(seconds: 3, { !server.isRunning }) {
            kill(server.processIdentifier, SIGKILL)
        }
        server.waitUntilExit()
    }

    static func canConnect(_ display: String) -> Bool {
        guard let connection = xcb_connect(display, nil) else { return false }
        defer { xcb_disconnect(connection) }
        return xcb_connection_has_error(connection) == 0
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    @discardableResult
    static func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }
}
