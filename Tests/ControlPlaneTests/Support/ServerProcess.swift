import Foundation
import TestSupport

/// Runs the real `tsunagu-server` executable that `swift build` put beside the tests.
enum ServerProcess {
    /// The built executable: `TSUNAGU_BIN_DIR` if set, else the package's `.build/debug`,
    /// found from this file's path.
    static var binary: URL {
        if let dir = ProcessInfo.processInfo.environment["TSUNAGU_BIN_DIR"] {
            return URL(fileURLWithPath: dir).appendingPathComponent("tsunagu-server")
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tsunagu-server")
    }

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `tsunagu-server ARGS` to completion with `stdin` as its standard input.
    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Starts `tsunagu-server serve ARGS` in the background; its output goes to `log`.
    static func start(_ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"] + arguments
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        return process
    }

    /// A TCP port that was free a moment ago.
    static func freePort() throws -> Int { LiveProcesses.freePort() }

    /// GET or POST with curl; returns (status, body).
    static func http(_ method: String, _ url: String, json: String? = nil) throws -> (Int, String) {
        try LiveProcesses.http(method, url, json: json)
    }
}
