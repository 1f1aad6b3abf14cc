import Foundation
import TestSupport
import RFB
import Testing

@testable import Screen

/// Screen size changes on a real X server that can change size: TigerVNC's `Xvnc` (Debian
/// `tigervnc-standalone-server`) implements RANDR resizing, which Xvfb does not.
@Suite("X11Screen resize")
struct X11ScreenResizeTests {
    @Test("a RANDR size change shows in the next captures, pixel-exact against xwd -root")
    func captureFollowsSizeChanges() throws {
        let x = try XvncServer(width: 1280, height: 800)
        defer { x.stop() }
        // Content over the whole screen: a root pattern (every 4th pixel differs) and an
        // xterm that stays where it is across the changes.
        _ = try x.run("/usr/bin/xsetroot", ["-mod", "3", "5", "-fg", "#c04020", "-bg", "#2040a0"])
        try x.launch("/usr/bin/xterm", ["-geometry", "60x10+20+20", "-e", "/bin/sh"])
        let screen = try X11Screen(display: x.display)
        var frame = Framebuffer(width: 0, height: 0)
        #expect(try screen.capture(into: &frame) == nil)
        XvfbServer.waitUntil(seconds: 10) {
            _ = try? screen.capture(into: &frame)
            return frame.width == 1280 && frame[30, 30] != frame[600, 500]
        }
        Thread.sleep(forTimeInterval: 0.3)
        try expectMatchesXwd(screen, &frame, x, width: 1280, height: 800)

        // Smaller, then larger than at the start (a new, bigger shared-memory segment).
        for (width, height) in [(1024, 768), (1920, 1200), (800, 600)] {
            _ = try x.run("/usr/bin/xrandr", ["-s", "\(width)x\(height)"])
            var results: [[Rect]?] = []
            let resized = try XvfbServer.waitUntil(seconds: 10) {
                results.append(try screen.capture(into: &frame))
                return frame.width == width && frame.height == height
            }
            #expect(resized, "no capture of \(width)x\(height)")
            #expect(screen.size == (width, height))
            // The capture at the new size is a full frame (nil), not a damage list.
            #expect(results.last.map { $0 == nil } == true)
            try expectMatchesXwd(screen, &frame, x, width: width, height: height)
            // Damage works again at the new size: a still screen reports nothing.
            #expect(try screen.capture(into: &frame)?.isEmpty == true)
        }
    }

    /// Captures and compares with `xwd -root`; xterm's cursor may blink between the two,
    /// so a few attempts are allowed.
    private func expectMatchesXwd(
        _ screen: X11Screen, _ frame: inout Framebuffer, _ x: XvncServer, width: Int, height: Int
    ) throws {
        var mismatches = Int.max
        for _ in 0..<3 where mismatches != 0 {
            _ = try screen.capture(into: &frame)
            let path = NSTemporaryDirectory() + "tsunagu-xwd-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try x.run("/usr/bin/xwd", ["-root", "-silent", "-out", path])
            let reference = try XWDImage(data: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(reference.width == width && reference.height == height)
            #expect(frame.width == width && frame.height == height)
            guard frame.width == reference.width, frame.height == reference.height else { return }
            mismatches = zip(frame.pixels, reference.pixels).reduce(0) {
                $0 + (($1.0 & 0xff_ffff) != $1.1 ? 1 : 0)
            }
        }
        #expect(mismatches == 0, "\(mismatches) pixels differ at \(width)x\(height)")
        // Not a blank screen: the root pattern is in the picture.
        #expect(Set(frame.pixels).count > 2)
    }
}

/// A private TigerVNC `Xvnc` with no VNC port (`-rfbport -1`), only the X server; its
/// clients are killed by ``stop()``. Display numbers as in ``XvfbServer``.
final class XvncServer {
    let display: String
    private let server: Process
    private var clients: [Process] = []

    /// Where Debian's `tigervnc-standalone-server` puts it.
    static let path = "/usr/bin/Xvnc"

    enum XvncError: Error, CustomStringConvertible {
        case notInstalled
        case cannotStart
        case failed(String, Int32)

        var description: String {
            switch self {
            case .notInstalled: "\(XvncServer.path) missing: install tigervnc-standalone-server"
            case .cannotStart: "Xvnc did not start"
            case .failed(let tool, let status): "\(tool) exited with \(status)"
            }
        }
    }

    init(width: Int, height: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.path) else {
            throw XvncError.notInstalled
        }
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        for _ in 0..<30 {
            let number = 1000 + (pid % 2000) * 16 + Int.random(in: 0..<16)
            guard !FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.path)
            process.arguments = [
                ":\(number)", "-geometry", "\(width)x\(height)", "-depth", "24",
                "-SecurityTypes", "None", "-rfbport", "-1", "-nolisten", "tcp",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            LiveProcesses.markDescriptorsCloseOnExec()
            try process.run()
            let up = XvfbServer.waitUntil(seconds: 10) {
                !process.isRunning || XvfbServer.canConnect(":\(number)")
            }
            if up, process.isRunning {
                display = ":\(number)"
                server = process
                return
            }
            process.terminate()
            process.waitUntilExit()
        }
        throw XvncError.cannotStart
    }

    deinit { stop() }

    /// Starts an X client on this display; it is killed by ``stop()``.
    @discardableResult
    func launch(_ path: String, _ arguments: [String]) throws -> Process {
        let process = try makeProcess(path, arguments)
        process.standardOutput = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        clients.append(process)
        return process
    }

    /// Runs a client to completion (at most 15 s) and returns its standard output; a
    /// non-zero exit status is an error.
    func run(_ path: String, _ arguments: [String]) throws -> Data {
        let process = try makeProcess(path, arguments)
        let output = Pipe()
        process.standardOutput = output
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        clients.append(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let done = XvfbServer.waitUntil(seconds: 15) { !process.isRunning }
        if !done { process.terminate() }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw XvncError.failed(path, process.terminationStatus)
        }
        return data
    }

    private func makeProcess(_ path: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        process.environment = env
        process.standardError = FileHandle.nullDevice
        return process
    }

    func stop() {
        for client in clients where client.isRunning { client.terminate() }
        clients.removeAll()
        guard server.isRunning else { return }
        server.terminate()
        if !XvfbServer.waitUntil(seconds: 3, { !server.isRunning }) {
            kill(server.processIdentifier, SIGKILL)
        }
        server.waitUntilExit()
    }
}
