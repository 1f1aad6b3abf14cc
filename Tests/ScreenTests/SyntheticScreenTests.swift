import RFB
import Testing

@testable import Screen

@Suite("SyntheticScreen")
struct SyntheticScreenTests {
    @Test("moving square: nil first, then exactly the changed rectangles")
    func moves() throws {
        let screen = SyntheticScreen(width: 320, height: 200, squareSize: 32, step: 8)
        var frame = Framebuffer(width: 0, height: 0)
        #expect(try screen.capture(into: &frame) == nil)
        #expect(frame.width == 320 && frame.height == 200)
        var previous = frame
        let damage = try #require(try screen.capture(into: &frame))
        #expect(
            damage == [
                Rect(x: 0, y: 84, width: 32, height: 32), Rect(x: 8, y: 84, width: 32, height: 32),
            ])
        for y in 0..<frame.height {
            for x in 0..<frame.width where frame[x, y] != previous[x, y] {
                #expect(damage.contains { x >= $0.x && x < $0.maxX && y >= $0.y && y < $0.maxY })
            }
        }
        previous = frame
        screen.isMoving = false
        #expect(try screen.capture(into: &frame) == [])
        #expect(frame == previous)
        screen.resize(width: 100, height: 50)
        #expect(try screen.capture(into: &frame) == nil)
        #expect(frame.width == 100)
    }

    @Test("input is recorded; clipboard and cursor are reported once")
    func records() throws {
        let screen = SyntheticScreen()
        try screen.key(keysym: 0x61, down: true)
        try screen.key(scancode: 0x1e, keysym: 0x61, down: false)
        try screen.pointer(x: 1, y: 2, buttons: 1)
        try screen.setClipboard("x")
        #expect(
            screen.events == [
                .key(keysym: 0x61, down: true), .scancode(0x1e, keysym: 0x61, down: false),
                .pointer(x: 1, y: 2, buttons: 1), .clipboard("x"),
            ])
        #expect(try screen.cursorIfChanged() != nil)
        #expect(try screen.cursorIfChanged() == nil)
        screen.customerCopies("y")
        #expect(try screen.clipboardIfChanged() == "y")
        #expect(try screen.clipboardIfChanged() == nil)
    }
}
