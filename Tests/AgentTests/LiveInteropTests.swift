import Foundation
import TestSupport
import Testing

/// End-to-end checks against real software on Xvfb: vncdotool (Raw) and TigerVNC's
/// vncviewer (Tight) against the agent's listener, and the gateway in front of x11vnc.
/// Needs Debian `xvfb xterm x11-apps x11vnc tigervnc-viewer imagemagick` and PyPI
/// `vncdotool pillow` (`scripts/install-deps --test`) and a built `tsunagu-agent`; a missing
/// one fails the suite rather than skipping it, so CI cannot pass without the real peers.
@Suite(.serialized)
struct LiveInteropTests {
    @Test func realPeersAreInstalled() {
        #expect(
            LiveProcesses.interopToolsPresent, "run scripts/install-deps --test and swift build")
    }

    /// Display and port numbers derived from the pid, so parallel runs do not collide.
    private static let base = Int(getpid() % 400)
    private let display = ":\(200 + base)"
    private let viewerDisplay = ":\(600 + base)"
    private let port = 21_000 + base * 10

    private func startDesktop(_ live: LiveProcesses) async throws {
        try live.start(
            "Xvfb", [display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"], log: "xvfb.log")
        #expect(await live.displayIsUp(display))
        try live.start("xterm", ["-geometry", "80x24+10+10"], display: display, log: "xterm.log")
        // Analog xclock without -update changes once a minute, so captures stay comparable.
        try live.start(
            "xclock", ["-geometry", "200x200+800+100"], display: display, log: "xclock.log")
        #expect(await windowsAreMapped(["xterm", "xclock"], on: display))
    }

    /// Waits until every window named in `names` is mapped on `display`.
    private func windowsAreMapped(_ names: [String], on display: String) async -> Bool {
        await live.wait(timeout: 15) {
            let log = "xwininfo-\(UUID().uuidString).txt"
            guard
                let process = try? live.start(
                    "xwininfo", ["-root", "-tree"], display: display, log: log),
                await LiveProcesses.exit(of: process) == 0
            else { return false }
            let tree = live.log(log)
            return names.allSatisfy { tree.contains("\"\($0)\"") }
        }
    }

    /// The fraction of pixels that differ between two images (ImageMagick/Pillow via python).
    private func differingFraction(_ a: String, _ b: String, crop: String = "None") throws -> Double
    {
        let script = """
            from PIL import Image, ImageChops
            a = Image.open('\(a)').convert('RGB'); b = Image.open('\(b)').convert('RGB')
            c = \(crop)
            if c: a = a.crop(c); b = b.crop(c)
            if a.size != b.size: print(1.0)
            else:
                d = ImageChops.difference(a, b).convert('L').point(lambda v: 255 if v else 0)
                print(d.histogram()[255] / (a.size[0] * a.size[1]))
            """
        let out = live.path("diff-\(UUID().uuidString).txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveProcesses.which("python3")!)
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out
        return Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
    }

    private let live: LiveProcesses

    init() throws { live = try LiveProcesses() }

    @Test func vncdotoolCapturesTheExactScreenAndTypes() async throws {
        defer { live.stopAll() }
        try await startDesktop(live)
        try "s3cret\n".write(toFile: live.path("pw"), atomically: true, encoding: .utf8)
        try live.start(
            LiveProcesses.agentBinary()!,
            [
                "run", "--display", display, "--listen-vnc", "127.0.0.1:\(port)",
                "--vnc-password-file", live.path("pw"),
            ],
            log: "agent.log")
        #expect(
            await live.wait(timeout: 15) { live.log("agent.log").contains("VNC listener ready") })
        // Two tries: the clock's minute hand may move between the two screenshots.
        var fraction = 1.0
        for attempt in 0..<2 where fraction > 0 {
            let capture = live.path("vnc\(attempt).png")
            let screen = live.path("x\(attempt).png")
            #expect(
                try await live.run(
                    "vncdo", ["-s", "127.0.0.1::\(port)", "-p", "s3cret", "capture", capture]) == 0)
            #expect(
                try await live.run("import", ["-window", "root", screen], display: display) == 0)
            fraction = try differingFraction(capture, screen)
        }
        #expect(fraction == 0, "captured screen differs from the X screen")
        // Wrong password: refused, and the listener keeps serving.
        #expect(
            try await live.run(
                "vncdo",
                ["-s", "127.0.0.1::\(port)", "-p", "wrong", "capture", live.path("no.png")],
                timeout: 20) != 0)
        // Typing reaches the xterm under the pointer.
        let target = live.path("typed")
        #expect(
            try await live.run(
                "vncdo",
                [
                    "-s", "127.0.0.1::\(port)", "-p", "s3cret", "move", "200", "150", "pause",
                    "0.3",
                    "type", "echo hi > \(target)", "key", "enter", "pause", "0.5",
                ]) == 0)
        #expect(
            await live.wait(timeout: 10) {
                (try? String(contentsOfFile: target, encoding: .utf8)) == "hi\n"
            })
        #expect(live.log("agent.log").contains("closing viewer connection"))
    }

    @Test func tigerVNCViewerGetsTight() async throws {
        defer { live.stopAll() }
        try await startDesktop(live)
        try live.start(
            LiveProcesses.agentBinary()!,
            ["run", "--display", display, "--listen-vnc", "127.0.0.1:\(port + 1)"], log: "agent.log"
        )
        #expect(
            await live.wait(timeout: 15) { live.log("agent.log").contains("VNC listener ready") })
        try live.start(
            "Xvfb", [viewerDisplay, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            log: "xvfb2.log")
        #expect(await live.displayIsUp(viewerDisplay))
        try live.start(
            "vncviewer",
            ["-PreferredEncoding=Tight", "-FullScreen", "-NoJPEG", "127.0.0.1::\(port + 1)"],
            display: viewerDisplay, log: "viewer.log")
        #expect(
            await live.wait(timeout: 15) { live.log("agent.log").contains("first update sent") })
        let log = live.log("agent.log")
        #expect(log.contains("chosen=tight"))
        #expect(log.contains("encoding=tight"))
        // The xterm's area on the viewer's screen equals the source (lossless Tight). The viewer
        // paints after the update arrives, so compare until they match or the deadline passes.
        var fraction = 1.0
        var captures = 0
        let matched = await live.wait(timeout: 30) {
            captures += 1
            let viewer = live.path("viewer\(captures).png")
            let source = live.path("source\(captures).png")
            guard
                (try? await live.run(
                    "import", ["-window", "root", viewer], display: viewerDisplay)) == 0,
                (try? await live.run("import", ["-window", "root", source], display: display)) == 0
            else { return false }
            fraction = (try? differingFraction(viewer, source, crop: "(0, 0, 700, 500)")) ?? 1
            return fraction == 0
        }
        #expect(matched, "viewer shows something else: \(fraction) after \(captures) captures")
    }

    @Test func gatewayBridgesX11vnc() async throws {
        defer { live.stopAll() }
        try await startDesktop(live)
        try live.start(
            "x11vnc",
            [
                "-display", display, "-rfbport", "\(port + 2)", "-localhost", "-nopw", "-forever",
                "-shared", "-nocursor",
            ], log: "x11vnc.log")
        #expect(await live.wait(timeout: 15) { live.log("x11vnc.log").contains("PORT=") })
        try "gw\n".write(toFile: live.path("pw"), atomically: true, encoding: .utf8)
        try live.start(
            LiveProcesses.agentBinary()!,
            [
                "run", "--vnc", "127.0.0.1:\(port + 2)", "--listen-vnc", "127.0.0.1:\(port + 3)",
                "--vnc-password-file", live.path("pw"),
            ],
            log: "agent.log")
        #expect(
            await live.wait(timeout: 15) { live.log("agent.log").contains("VNC gateway ready") })
        #expect(
            try await live.run(
                "vncdo",
                ["-s", "127.0.0.1::\(port + 3)", "-p", "gw", "capture", live.path("gw.png")]) == 0)
        _ = try await live.run("import", ["-window", "root", live.path("x.png")], display: display)
        // x11vnc's own capture timing (the clock) may differ by a few pixels.
        #expect(try differingFraction(live.path("gw.png"), live.path("x.png")) < 0.001)
        #expect(live.log("agent.log").contains("gateway spliced viewer to backend"))
    }
}
