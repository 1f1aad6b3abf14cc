import Foundation
import RFB
import Testing

@testable import Screen

/// Capture, damage and cursor against a real Xvfb with real clients.
@Suite("X11Screen capture")
struct X11ScreenCaptureTests {
    @Test("capture is pixel-exact against xwd -root, with xterm and xclock running")
    func captureMatchesXwd() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        try x.launch("/usr/bin/xterm", ["-geometry", "80x24+10+10", "-e", "/bin/sh"])
        try x.launch("/usr/bin/xclock", ["-geometry", "200x200+900+300"])
        let screen = try X11Screen(display: x.display)
        var frame = Framebuffer(width: 0, height: 0)
        // Wait until both clients have drawn something other than the black root.
        XvfbServer.waitUntil(seconds: 10) {
            _ = try? screen.capture(into: &frame)
            return frame.width > 0 && frame[400, 100] != 0 && frame[1000, 400] != 0
        }
        Thread.sleep(forTimeInterval: 0.5)

        // xclock may tick between the two shots: allow a few attempts.
        var mismatches = Int.max
        for _ in 0..<3 where mismatches != 0 {
            _ = try screen.capture(into: &frame)
            let path = NSTemporaryDirectory() + "tsunagu-xwd-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try x.run("/usr/bin/xwd", ["-root", "-silent", "-out", path])
            let reference = try XWDImage(data: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(reference.width == 1920 && reference.height == 1080)
            #expect(frame.width == reference.width && frame.height == reference.height)
            mismatches = zip(frame.pixels, reference.pixels).reduce(0) {
                $0 + (($1.0 & 0xff_ffff) != $1.1 ? 1 : 0)
            }
        }
        #expect(mismatches == 0)
        // Not a blank screen: the clients are in the picture.
        #expect(Set(frame.pixels.prefix(1920 * 400)).count > 2)
    }

    @Test("first capture returns nil, later ones return damage covering every changed pixel")
    func damageCoversChanges() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let screen = try X11Screen(display: x.display)
        var before = Framebuffer(width: 0, height: 0)
        #expect(try screen.capture(into: &before) == nil)
        #expect(try screen.capture(into: &before) == [])

        try x.launch("/usr/bin/xclock", ["-geometry", "300x200+700+400"])
        var after = before
        var damage: [Rect] = []
        XvfbServer.waitUntil(seconds: 10) {
            damage += (try? screen.capture(into: &after)).flatMap { $0 } ?? []
            return after[850, 500] != before[850, 500]
        }
        Thread.sleep(forTimeInterval: 0.3)
        damage += try #require(try screen.capture(into: &after))

        var changed = 0
        var uncovered = 0
        for y in 0..<after.height {
            for x in 0..<after.width where after[x, y] != before[x, y] {
                changed += 1
                if !damage.contains(where: { x >= $0.x && x < $0.maxX && y >= $0.y && y < $0.maxY })
                {
                    uncovered += 1
                }
            }
        }
        #expect(changed > 10_000)
        #expect(uncovered == 0)
        let clock = Rect(x: 700, y: 400, width: 300, height: 200)
        #expect(damage.contains { $0.intersection(clock) != nil })
        // Damage stays near the change: nothing reported far from the clock window.
        let box = X11Screen.boundingBox(damage)
        #expect(box.x >= 690 && box.y >= 390 && box.maxX <= 1010 && box.maxY <= 610)
    }

    @Test("pending damage: none on a still screen, the change once drawn, owed to the capture")
    func pendingDamage() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let screen = try X11Screen(display: x.display)
        var frame = Framebuffer(width: 0, height: 0)
        // Until a full frame was taken, the next capture is a full one anyway.
        #expect(try screen.pendingDamage() == nil)
        _ = try screen.capture(into: &frame)
        _ = try screen.capture(into: &frame)
        #expect(try screen.pendingDamage() == [])
        // No DamageNotify since: the next look needs no request.
        #expect(!screen.damageNotified)

        try x.launch("/usr/bin/xclock", ["-geometry", "300x200+700+400"])
        var seen: [Rect] = []
        XvfbServer.waitUntil(seconds: 10) {
            seen = ((try? screen.pendingDamage()) ?? nil) ?? []
            return !seen.isEmpty
        }
        let clock = Rect(x: 700, y: 400, width: 300, height: 200)
        #expect(seen.contains { $0.intersection(clock) != nil })
        // What the look took is still reported by the capture that follows.
        let captured = try #require(try screen.capture(into: &frame))
        #expect(Set(seen).isSubset(of: Set(captured)))
    }

    @Test("the pointer's image comes through XFIXES once, then only on change")
    func cursorImage() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        let screen = try X11Screen(display: x.display)
        let cursor = try #require(try screen.cursorIfChanged())
        #expect(cursor.width > 0 && cursor.height > 0)
        #expect(cursor.pixels.count == cursor.width * cursor.height)
        #expect(cursor.pixels.contains { $0 >> 24 != 0 })
        #expect(cursor.hotspotX < cursor.width && cursor.hotspotY < cursor.height)
        #expect(try screen.cursorIfChanged() == nil)
    }

    @Test("straight alpha from XFIXES's premultiplied pixels")
    func unpremultiply() {
        #expect(X11Cursor.straightAlpha(0x0000_0000) == 0)
        #expect(X11Cursor.straightAlpha(0xff12_3456) == 0xff12_3456)
        #expect(X11Cursor.straightAlpha(0x8080_4000) == 0x80ff_8000)
        #expect(X11Cursor.straightAlpha(0x1020_0000) == 0x10ff_0000)  // clamped
    }

    @Test("a display that does not exist is a typed error")
    func cannotOpen() {
        #expect(throws: X11Screen.Error.cannotOpenDisplay(":64999")) {
            try X11Screen(display: ":64999")
        }
    }

    @Test("1080p capture time")
    func captureTiming() throws {
        let x = try XvfbServer()
        defer { x.stop() }
        try x.launch("/usr/bin/xterm", ["-geometry", "80x24+10+10"])
        let screen = try X11Screen(display: x.display)
        var frame = Framebuffer(width: 0, height: 0)
        _ = try screen.capture(into: &frame)
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<100 {
            let elapsed = try clock.measure { _ = try screen.capture(into: &frame) }
            times.append(
                Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds)
                    / 1e15)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        print(
            "capture 1920x1080: mean \(mean) ms, median \(times[50]) ms, "
                + "min \(times[0]) ms, max \(times[99]) ms")
        #expect(frame.width == 1920 && frame.height == 1080)
        #expect(times[50] < 50)
    }
}
