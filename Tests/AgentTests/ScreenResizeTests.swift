import Foundation
import Logging
import NIOCore
import NIOPosix
import RFB
import Screen
import TestSupport
import Testing

@testable import Agent

/// A real X server changes size under connected viewers: TigerVNC's `Xvnc` (Debian
/// `tigervnc-standalone-server`; Xvfb cannot resize), the agent's desktop and listener, and
/// two minimal RFB viewers over loopback, one that knows ExtendedDesktopSize and one that
/// only knows DesktopSize.
@Suite("Screen resize through the listener", .serialized)
struct ScreenResizeTests {
    @Test("viewers get the new size, then a full update of the resized screen")
    func viewersFollowTheResize() async throws {
        let live = try LiveProcesses()
        defer { live.stopAll() }
        let display = try await startXvnc(live, width: 1280, height: 800)
        #expect(
            try await live.run(
                "xsetroot", ["-mod", "5", "3", "-fg", "#10c040", "-bg", "#802060"],
                display: display, timeout: 15) == 0)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let desktop = try await SharedDesktop.make(
            on: group.next(), logger: Logger(label: "test")
        ) {
            let screen = try X11Screen(display: display)
            return (screen, screen)
        }.get()
        let listener = try await VNCListener.start(
            host: "127.0.0.1", port: 0, group: group, desktop: desktop,
            session: .init(name: "resize", security: .none, width: 0, height: 0),
            logger: Logger(label: "test"))
        let port = try #require(listener.localAddress?.port)

        let extended = try RawViewer(
            port: port, encodings: [0, RFBConstants.Encoding.extendedDesktopSize])
        let plain = try RawViewer(port: port, encodings: [0, RFBConstants.Encoding.desktopSize])
        for viewer in [extended, plain] {
            #expect(viewer.frame.width == 1280 && viewer.frame.height == 800)
            try viewer.request(incremental: false)
            _ = try viewer.readUpdate()
            #expect(viewer.frame == (try captureNow(display)))
        }

        for (width, height) in [(1024, 768), (1920, 1200)] {
            for viewer in [extended, plain] { try viewer.request(incremental: true) }
            #expect(
                try await live.run(
                    "xrandr", ["-s", "\(width)x\(height)"], display: display, timeout: 15)
                    == 0)
            let reference = try captureNow(display)
            #expect(reference.width == width && reference.height == height)
            for (viewer, encoding) in [
                (extended, RFBConstants.Encoding.extendedDesktopSize),
                (plain, RFBConstants.Encoding.desktopSize),
            ] {
                // Damage drawn before the server announced the change may come first.
                var update = try viewer.readUpdate()
                for _ in 0..<5 where !update.contains(where: { $0.encoding == encoding }) {
                    try viewer.request(incremental: true)
                    update = try viewer.readUpdate()
                }
                // The size comes first, then rectangles covering the whole new screen.
                #expect(update.first?.encoding == encoding)
                #expect(update.first?.rect.width == width && update.first?.rect.height == height)
                let pixels = update.dropFirst().filter { $0.encoding == 0 }.map(\.rect)
                #expect(pixels.count == update.count - 1)
                #expect(pixels.allSatisfy { $0.intersection(viewer.frame.bounds) == $0 })
                #expect(pixels.reduce(0) { $0 + $1.area } == width * height)
                #expect(viewer.frame.width == width && viewer.frame.height == height)
                #expect(viewer.frame == reference, "\(width)x\(height) pixels differ")
            }
        }
        for viewer in [extended, plain] { viewer.close() }
        try await listener.close()
        try await group.shutdownGracefully()
    }

    /// Starts `Xvnc` with no VNC port and waits until it accepts X clients.
    private func startXvnc(_ live: LiveProcesses, width: Int, height: Int) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/Xvnc") else {
            throw ViewerError("/usr/bin/Xvnc missing: install tigervnc-standalone-server")
        }
        let pid = Int(getpid())
        for _ in 0..<30 {
            let number = 1000 + (pid % 2000) * 16 + Int.random(in: 0..<16)
            guard !FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") else { continue }
            let server = try live.start(
                "/usr/bin/Xvnc",
                [
                    ":\(number)", "-geometry", "\(width)x\(height)", "-depth", "24",
                    "-SecurityTypes", "None", "-rfbport", "-1", "-nolisten", "tcp",
                ], log: "xvnc-\(number).log")
            let up = await live.wait(timeout: 10) {
                !server.isRunning || (try? X11Screen(display: ":\(number)")) != nil
            }
            if up, server.isRunning { return ":\(number)" }
            live.stop(server)
        }
        throw ViewerError("Xvnc did not start")
    }

    /// The screen as the X server has it now, through a connection of the test's own.
    private func captureNow(_ display: String) throws -> Framebuffer {
        let screen = try X11Screen(display: display)
        var frame = Framebuffer(width: 0, height: 0)
        _ = try screen.capture(into: &frame)
        return frame
    }
}

struct ViewerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A blocking RFB 3.8 viewer over a loopback socket: no security, 32-bit `0x00RRGGBB`
/// little-endian pixels, Raw rectangles and the two resize pseudo-encodings only.
final class RawViewer {
    private let socket: Int32
    private(set) var frame: Framebuffer

    init(port: Int, encodings: [Int32]) throws {
        let fd = try LiveProcesses.connectLoopback(port: port, receiveTimeoutSeconds: 15)
        socket = fd
        frame = Framebuffer(width: 0, height: 0)
        guard try read(12) == Array("RFB 003.008\n".utf8) else { throw ViewerError("version") }
        try write(Array("RFB 003.008\n".utf8))
        guard try read(2) == [1, 1] else { throw ViewerError("security types") }
        try write([1])
        guard try read(4) == [0, 0, 0, 0] else { throw ViewerError("security result") }
        try write([1])
        let serverInit = try read(24)
        _ = try read(Int(try u32(serverInit, 20)))
        frame = Framebuffer(width: u16(serverInit, 0), height: u16(serverInit, 2))
        // SetPixelFormat: 32 bpp, depth 24, little-endian true colour, red at bit 16.
        try write([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0])
        var setEncodings: [UInt8] = [2, 0, 0, UInt8(encodings.count)]
        for encoding in encodings {
            let value = UInt32(bitPattern: encoding)
            setEncodings += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        }
        try write(setEncodings)
    }

    deinit { Glibc.close(socket) }

    func close() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// FramebufferUpdateRequest for the whole screen as this viewer knows it.
    func request(incremental: Bool) throws {
        try write(
            [3, incremental ? 1 : 0, 0, 0, 0, 0]
                + [frame.width >> 8, frame.width, frame.height >> 8, frame.height].map {
                    UInt8(truncatingIfNeeded: $0)
                })
    }

    /// Reads one FramebufferUpdate (skipping other server messages), applies it to
    /// ``frame`` and returns its rectangles in order.
    func readUpdate() throws -> [(rect: Rect, encoding: Int32)] {
        while true {
            let type = try read(1)[0]
            switch type {
            case 0: return try readRectangles()
            case 2: continue  // Bell
            case 3:  // ServerCutText
                let header = try read(7)
                _ = try read(Int(Int32(bitPattern: try u32(header, 3)).magnitude))
            default: throw ViewerError("unexpected server message \(type)")
            }
        }
    }

    private func readRectangles() throws -> [(rect: Rect, encoding: Int32)] {
        let header = try read(3)
        var result: [(rect: Rect, encoding: Int32)] = []
        for _ in 0..<u16(header, 1) {
            let h = try read(12)
            let rect = Rect(x: u16(h, 0), y: u16(h, 2), width: u16(h, 4), height: u16(h, 6))
            let encoding = Int32(bitPattern: try u32(h, 8))
            switch encoding {
            case 0:
                let bytes = try read(rect.area * 4)
                var i = 0
                for y in rect.y..<rect.maxY {
                    for x in rect.x..<rect.maxX {
                        frame[x, y] =
                            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                            << 16
                        i += 4
                    }
                }
            case RFBConstants.Encoding.desktopSize:
                frame = Framebuffer(width: rect.width, height: rect.height)
            case RFBConstants.Encoding.extendedDesktopSize:
                let screens = Int(try read(4)[0])
                _ = try read(16 * screens)
                if rect.y == 0 { frame = Framebuffer(width: rect.width, height: rect.height) }
            default:
                throw ViewerError("unexpected encoding \(encoding)")
            }
            result.append((rect, encoding))
        }
        return result
    }

    private func u16(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 8 | Int(bytes[at + 1])
    }

    private func u32(_ bytes: [UInt8], _ at: Int) throws -> UInt32 {
        UInt32(u16(bytes, at)) << 16 | UInt32(u16(bytes, at + 2))
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes {
                recv(socket, $0.baseAddress! + done, count - done, 0)
            }
            guard n > 0 else { throw ViewerError("read: \(n == 0 ? "closed" : "errno \(errno)")") }
            done += n
        }
        return out
    }

    private func write(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw ViewerError("write: errno \(errno)") }
            done += n
        }
    }
}
