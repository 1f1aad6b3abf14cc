import Foundation
import TestSupport
import Testing

/// The web console in a real browser: runs `browser/console_e2e.py` (headless Chromium driven
/// by selenium) against a live server and agents, and fails with its report when any of its
/// checks fail. Screenshots land in `.test-artifacts/console/`.
@Suite(.serialized)
struct ConsoleBrowserTests {
    /// The repository root (three folders above this file).
    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// True when Chromium, its driver, selenium, Xvfb, xterm, xclip and both binaries exist.
    static var toolsPresent: Bool {
        ["chromium", "chromedriver", "Xvfb", "xterm", "xclock", "xclip", "python3"].allSatisfy {
            LiveProcesses.which($0) != nil
        } && LiveProcesses.binary("tsunagu-server") != nil
            && LiveProcesses.binary("tsunagu-agent") != nil && seleniumPresent
    }

    private static var seleniumPresent: Bool {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: LiveProcesses.which("python3") ?? "/usr/bin/python3")
        process.arguments = ["-c", "import selenium"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test func toolsAreThere() {
        #expect(
            Self.toolsPresent,
            "needs chromium, chromium-driver, python3-selenium, Xvfb, xterm, xclip and built binaries"
        )
    }

    @Test(.enabled(if: ConsoleBrowserTests.toolsPresent), .timeLimit(.minutes(10)))
    func consoleEndToEndInChromium() async throws {
        let live = try LiveProcesses()
        let binDirectory = URL(fileURLWithPath: LiveProcesses.binary("tsunagu-server")!)
            .deletingLastPathComponent().path
        let script = Self.repository.appendingPathComponent(
            "Tests/ConsoleTests/browser/console_e2e.py"
        ).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveProcesses.which("python3")!)
        process.arguments = [script]
        process.currentDirectoryURL = Self.repository
        var environment = ProcessInfo.processInfo.environment
        environment["TSUNAGU_BIN_DIR"] = binDirectory
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let log = live.path("console-e2e.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        _ = await LiveProcesses.exit(of: process)
        try handle.close()
        let report = live.log("console-e2e.log")
        let failed = report.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            process.terminationStatus == 0,
            "console end-to-end failed:\n\(failed.joined(separator: "\n"))\n\(report)")
    }
}
