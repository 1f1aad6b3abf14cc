import Foundation
import Testing

@testable import Screen

/// The clipboard both ways, against xclip on a real Xvfb.
@Suite("X11Screen clipboard")
struct X11ClipboardTests {
    @Test("text we set is pasted by xclip from CLIPBOARD and PRIMARY, as UTF-8 and STRING")
    func offerToOtherClients() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let screen = try X11Screen(display: x.display)
        let text = "遠隔サポート: clipboard ✓"
        try screen.setClipboard(text)
        let pump = { try screen.processEvents() }
        let clipboard = try x.run("/usr/bin/xclip", ["-selection", "clipboard", "-o"], while: pump)
        #expect(String(decoding: clipboard, as: UTF8.self) == text)
        let primary = try x.run("/usr/bin/xclip", ["-o"], while: pump)
        #expect(String(decoding: primary, as: UTF8.self) == text)
        let targets = try x.run(
            "/usr/bin/xclip", ["-selection", "clipboard", "-o", "-t", "TARGETS"], while: pump)
        #expect(String(decoding: targets, as: UTF8.self).contains("UTF8_STRING"))
        try screen.setClipboard("café")
        let latin1 = try x.run(
            "/usr/bin/xclip", ["-selection", "clipboard", "-o", "-t", "STRING"], while: pump)
        #expect([UInt8](latin1) == [0x63, 0x61, 0x66, 0xe9])
        // Our own text is not reported back as the customer's.
        #expect(try screen.clipboardIfChanged() == nil)
    }

    @Test("text another client copies is reported once")
    func takeFromOtherClients() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let screen = try X11Screen(display: x.display)
        let source = NSTemporaryDirectory() + "tsunagu-clip-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: source) }
        try "顧客のテキスト from xclip".write(toFile: source, atomically: true, encoding: .utf8)
        // xclip serves the selection from a background child, which keeps the parent's
        // stdout open: launched with output to /dev/null, not through run(_:_:).
        let xclip = try x.launch("/usr/bin/xclip", ["-selection", "clipboard", "-i", source])
        XvfbServer.waitUntil(seconds: 5) { !xclip.isRunning }
        var received: String?
        try XvfbServer.waitUntil(seconds: 5) {
            received = try screen.clipboardIfChanged()
            return received != nil
        }
        #expect(received == "顧客のテキスト from xclip")
        #expect(try screen.clipboardIfChanged() == nil)
    }
}
