import Foundation
import TestSupport
import Testing

/// The console's files and terminal panels in a real browser: runs `browser/channels_e2e.py`
/// (headless Chromium driven by selenium). Its first part checks the JavaScript codecs and
/// drives the panels against scripted agents in the page; its second part uses a live server
/// and agent (files-only session, uploads by drag and drop, downloads, hashes against the
/// files on disk, the terminal's output read back from xterm.js, reattach, exit status).
/// Screenshots land in `.test-artifacts/console-channels/`.
///
/// An extension of `ConsoleBrowserTests`, so its `.serialized` keeps the two browser runs
/// (each with its own server, agents and Chromium) from running at the same time.
extension ConsoleBrowserTests {
    @Test(.enabled(if: ConsoleBrowserTests.toolsPresent), .timeLimit(.minutes(10)))
    func filesAndTerminalPanelsInChromium() async throws {
        let live = try LiveProcesses()
        let binDirectory = URL(fileURLWithPath: LiveProcesses.binary("tsunagu-server")!)
            .deletingLastPathComponent().path
        let script = Self.repository.appendingPathComponent(
            "Tests/ConsoleTests/browser/channels_e2e.py"
        ).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveProcesses.which("python3")!)
        process.arguments = [script]
        process.currentDirectoryURL = Self.repository
        var environment = ProcessInfo.processInfo.environment
        environment["TSUNAGU_BIN_DIR"] = binDirectory
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let log = live.path("channels-e2e.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        _ = await LiveProcesses.exit(of: process)
        try handle.close()
        let report = live.log("channels-e2e.log")
        let failed = report.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(
            process.terminationStatus == 0,
            "files and terminal panels failed:\n\(failed.joined(separator: "\n"))\n\(report)")
    }

    /// xterm.js must be where the server serves it from: `scripts/install-deps` builds it.
    @Test func xtermBundleIsInstalled() {
        let folder = ProcessInfo.processInfo.environment["TSUNAGU_XTERM_DIR"]
            ?? "/usr/local/share/tsunagu/xterm"
        #expect(
            FileManager.default.fileExists(atPath: folder + "/xterm.mjs")
                && FileManager.default.fileExists(atPath: folder + "/xterm.css"),
            "no xterm.js in \(folder): run scripts/install-deps")
    }
}
