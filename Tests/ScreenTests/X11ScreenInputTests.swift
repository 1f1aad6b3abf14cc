import Foundation
import RFB
import Testing

@testable import Screen

/// XTEST input against a real Xvfb: what a window receives, and text typed into an xterm.
@Suite("X11Screen input")
struct X11ScreenInputTests {
    /// Types `text` key by key as a viewer would (press, release).
    static func type(_ text: String, into screen: X11Screen) throws {
        for scalar in text.unicodeScalars {
            let keysym = Keysym.of(scalar)
            try screen.key(keysym: keysym, down: true)
            try screen.key(keysym: keysym, down: false)
        }
    }

    @Test("typed text, a shifted character and keysyms absent from the keymap reach an xterm")
    func typeIntoXterm() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        try x.launch(
            "/usr/bin/xterm", ["-u8", "-geometry", "80x24+0+0", "-e", "/bin/sh"],
            environment: ["LC_ALL": "C.UTF-8", "PS1": "$ "])
        let screen = try X11Screen(display: x.display)
        var frame = Framebuffer(width: 0, height: 0)
        XvfbServer.waitUntil(seconds: 10) {
            _ = try? screen.capture(into: &frame)
            return frame.width > 0 && frame[200, 100] != 0
        }
        Thread.sleep(forTimeInterval: 0.5)
        // No window manager: keyboard focus follows the pointer.
        try screen.pointer(x: 200, y: 150, buttons: 0)

        let plain = NSTemporaryDirectory() + "tsunagu-keys-\(UUID().uuidString)"
        let special = plain + "-jp"
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: special)
        }
        // ">" needs Shift on a US layout; "¥" and "あ" are on no key and borrow spare ones.
        try Self.type("echo hi > \(plain)\n", into: screen)
        try Self.type("printf %s ¥あ_ > \(special)\n", into: screen)
        try XvfbServer.waitUntil(seconds: 10) {
            try screen.processEvents()
            return FileManager.default.fileExists(atPath: special)
                && (try? String(contentsOfFile: special, encoding: .utf8)) == "¥あ_"
        }
        #expect((try? String(contentsOfFile: plain, encoding: .utf8)) == "hi\n")
        #expect((try? String(contentsOfFile: special, encoding: .utf8)) == "¥あ_")
    }

    @Test("keysyms land on keycodes that carry them, with Shift when needed, Japanese keys too")
    func keysymsToKeycodes() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let probe = try XEventProbe(display: x.display, x: 100, y: 100, width: 400, height: 300)
        let screen = try X11Screen(display: x.display)
        try screen.pointer(x: 300, y: 250, buttons: 0)
        _ = probe.drain(quiet: 0.2)

        let keysyms: [UInt32] = [
            0x61, 0x41, 0x3e, Keysym.hiraganaKatakana, Keysym.zenkakuHankaku, Keysym.henkan,
            Keysym.muhenkan, Keysym.eisuToggle, Keysym.yen, Keysym.backslash,
            Keysym.underscore, 0x0100_3042,
        ]
        for keysym in keysyms {
            try screen.key(keysym: keysym, down: true)
            try screen.key(keysym: keysym, down: false)
            let events = probe.drain()
            let presses = events.filter { $0.kind == .keyPress }
            let press = try #require(presses.last, "no key press for keysym \(keysym)")
            let symbols = probe.keysyms(of: press.detail)
            let shifted = press.state & 1 != 0
            #expect(
                symbols.count > (shifted ? 1 : 0) && symbols[shifted ? 1 : 0] == keysym,
                "keysym \(String(keysym, radix: 16)) gave keycode \(press.detail) \(symbols)")
            // Every press is released: no stuck keys.
            #expect(events.filter { $0.kind == .keyRelease }.count == presses.count)
        }

        // Shift held by the viewer: "A" needs no extra Shift, "a" has Shift lifted.
        try screen.key(keysym: Keysym.shiftL, down: true)
        try screen.key(keysym: 0x41, down: true)
        try screen.key(keysym: 0x41, down: false)
        try screen.key(keysym: 0x61, down: true)
        try screen.key(keysym: 0x61, down: false)
        try screen.key(keysym: Keysym.shiftL, down: false)
        let letters = probe.drain().filter { $0.kind == .keyPress && $0.detail == 38 }
        #expect(letters.map { $0.state & 1 } == [1, 0])
    }

    @Test("XT scancodes map through evdev, 0xE0xx and QEMU's 0x80|xx alike, else the keysym")
    func scancodes() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let probe = try XEventProbe(display: x.display, x: 100, y: 100, width: 400, height: 300)
        let screen = try X11Screen(display: x.display)
        try screen.pointer(x: 300, y: 250, buttons: 0)
        _ = probe.drain(quiet: 0.2)

        func press(_ scancode: UInt32, _ keysym: UInt32) throws -> UInt8? {
            try screen.key(scancode: scancode, keysym: keysym, down: true)
            try screen.key(scancode: scancode, keysym: keysym, down: false)
            return probe.drain().first { $0.kind == .keyPress }?.detail
        }
        #expect(try press(0x1e, 0x61) == 38)  // A
        #expect(try press(0xe048, Keysym.up) == 111)  // Up
        #expect(try press(0xc8, Keysym.up) == 111)  // Up, as noVNC sends it
        #expect(try press(0x70, Keysym.hiraganaKatakana) == 101)  // KanaMode
        #expect(try press(0x79, Keysym.henkan) == 100)  // Convert
        #expect(try press(0x7b, Keysym.muhenkan) == 102)  // NonConvert
        // The US map has nothing on the JP yen and ro keys: the viewer's keysym is typed.
        let yen = try #require(try press(0x7d, Keysym.yen))
        #expect(probe.keysyms(of: yen).first == Keysym.yen)
        #expect(try press(0x73, Keysym.backslash) == 51)
        // Unknown scancode, keysym hint only.
        #expect(try press(0x7f, 0x62) == 56)
    }

    @Test("pointer moves and clicks land where sent; wheel is buttons 4 and 5")
    func pointerClicks() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let probe = try XEventProbe(display: x.display, x: 100, y: 100, width: 400, height: 300)
        let screen = try X11Screen(display: x.display)
        try screen.pointer(x: 150, y: 170, buttons: 0)
        try screen.pointer(x: 150, y: 170, buttons: 1)
        try screen.pointer(x: 160, y: 180, buttons: 0)
        try screen.pointer(x: 160, y: 180, buttons: 4)
        try screen.pointer(x: 160, y: 180, buttons: 0)
        try screen.pointer(x: 160, y: 180, buttons: 8)
        try screen.pointer(x: 160, y: 180, buttons: 0)
        try screen.pointer(x: 160, y: 180, buttons: 16)
        try screen.pointer(x: 160, y: 180, buttons: 0)
        let events = probe.drain()
        let kinds = events.map { "\($0.kind == .buttonPress ? "+" : "-")\($0.detail)" }
        #expect(kinds == ["+1", "-1", "+3", "-3", "+4", "-4", "+5", "-5"])
        #expect(events.first.map { ($0.x, $0.y) } ?? (0, 0) == (50, 70))
        #expect(events.last.map { ($0.x, $0.y) } ?? (0, 0) == (60, 80))
    }

    @Test("keys and buttons held when the sink goes away are released")
    func releaseOnTeardown() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let probe = try XEventProbe(display: x.display, x: 100, y: 100, width: 400, height: 300)
        var screen: X11Screen? = try X11Screen(display: x.display)
        try screen?.pointer(x: 300, y: 250, buttons: 1)
        try screen?.key(keysym: 0x62, down: true)
        screen = nil
        // Under load the server's autorepeat may add release/press pairs: read until the
        // button is up, then the key's last event must be a release.
        var events: [XEventProbe.Event] = []
        while !events.contains(where: { $0.kind == .buttonRelease }), events.count < 50,
            let event = probe.next(seconds: 5)
        {
            events.append(event)
        }
        events += probe.drain()
        #expect(events.contains { $0.kind == .buttonRelease && $0.detail == 1 }, "\(events)")
        #expect(events.last { $0.detail == 56 && $0.kind != .buttonRelease }?.kind == .keyRelease)
    }
}
