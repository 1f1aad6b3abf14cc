import RFB

/// A screen drawn in memory, for tests without an X server: a fixed gradient with a square
/// that moves `step` pixels right (wrapping) and changes colour on every capture. Input is
/// recorded in ``events``; the customer's clipboard and cursor are set by the test.
///
/// Captures report exactly the rectangles that changed (the square's old and new places), or
/// nil for the first capture and after ``resize(width:height:)``, like ``X11Screen``.
public final class SyntheticScreen: ScreenSource, InputSink {
    /// One input call, as the sink received it.
    public enum InputEvent: Equatable, Sendable {
        case key(keysym: UInt32, down: Bool)
        case scancode(UInt32, keysym: UInt32, down: Bool)
        case pointer(x: Int, y: Int, buttons: UInt8)
        case clipboard(String)
    }

    /// The current size; see ``resize(width:height:)``.
    public private(set) var size: (width: Int, height: Int)
    /// Every input call so far, oldest first.
    public private(set) var events: [InputEvent] = []
    /// How many captures have been taken.
    public private(set) var frameCount = 0
    /// The moving square's side in pixels.
    public let squareSize: Int
    /// How far the square moves per capture.
    public let step: Int
    /// When false, captures leave the picture still (and report no damage).
    public var isMoving = true

    private var square: Rect?
    private var pendingResize = true
    private var clipboard: String?
    private var cursor: CursorImage?

    /// A `width × height` screen; a small arrow cursor is reported on the first call.
    public init(width: Int = 640, height: Int = 480, squareSize: Int = 64, step: Int = 8) {
        self.size = (width, height)
        self.squareSize = squareSize
        self.step = step
        self.cursor = Self.arrowCursor()
    }

    /// Changes the screen size, as a RANDR change would; the next capture returns nil.
    public func resize(width: Int, height: Int) {
        size = (width, height)
        square = nil
        pendingResize = true
    }

    /// Simulates the customer copying `text`: the next ``clipboardIfChanged()`` returns it.
    public func customerCopies(_ text: String) {
        clipboard = text
    }

    /// Simulates a new pointer image for ``cursorIfChanged()``.
    public func setCursor(_ image: CursorImage) {
        cursor = image
    }

    /// The background colour at (x, y): a red/green gradient over a blue tint.
    public func background(x: Int, y: Int) -> UInt32 {
        let red = UInt32(x * 255 / max(size.width - 1, 1))
        let green = UInt32(y * 255 / max(size.height - 1, 1))
        return red << 16 | green << 8 | 0x40
    }

    /// The colour of the square in capture number `frame` (1-based).
    public func squareColour(frame: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: frame &* 0x3b_7d_51) & 0x00ff_ffff | 0x80_00_00
    }

    /// Moves the square one step and draws the whole picture into `frame`.
    public func capture(into frame: inout Framebuffer) throws -> [Rect]? {
        let previous = square
        if isMoving || square == nil {
            frameCount += 1
            square = nextSquare(after: previous)
        }
        if frame.width != size.width || frame.height != size.height {
            frame.resize(width: size.width, height: size.height)
        }
        draw(into: &frame)
        if pendingResize || previous == nil {
            pendingResize = false
            return nil
        }
        guard isMoving, let previous, let square else { return [] }
        return previous == square ? [square] : [previous, square]
    }

    private func nextSquare(after previous: Rect?) -> Rect? {
        let side = min(squareSize, size.width, size.height)
        guard side > 0 else { return nil }
        let y = (size.height - side) / 2
        guard let previous else { return Rect(x: 0, y: y, width: side, height: side) }
        let x = previous.x + step
        return Rect(x: x + side > size.width ? 0 : x, y: y, width: side, height: side)
    }

    private func draw(into frame: inout Framebuffer) {
        let colour = squareColour(frame: frameCount)
        for y in 0..<size.height {
            for x in 0..<size.width {
                let inSquare =
                    square.map { x >= $0.x && x < $0.maxX && y >= $0.y && y < $0.maxY } ?? false
                frame[x, y] = inSquare ? colour : background(x: x, y: y)
            }
        }
    }

    /// The cursor set since the last call (an arrow at first), else nil.
    public func cursorIfChanged() throws -> CursorImage? {
        defer { cursor = nil }
        return cursor
    }

    /// Text from ``customerCopies(_:)`` since the last call, else nil.
    public func clipboardIfChanged() throws -> String? {
        defer { clipboard = nil }
        return clipboard
    }

    /// Records a key event.
    public func key(keysym: UInt32, down: Bool) throws {
        events.append(.key(keysym: keysym, down: down))
    }

    /// Records a scancode key event.
    public func key(scancode: UInt32, keysym: UInt32, down: Bool) throws {
        events.append(.scancode(scancode, keysym: keysym, down: down))
    }

    /// Records a pointer event.
    public func pointer(x: Int, y: Int, buttons: UInt8) throws {
        events.append(.pointer(x: x, y: y, buttons: buttons))
    }

    /// Records the operator's clipboard text.
    public func setClipboard(_ text: String) throws {
        events.append(.clipboard(text))
    }

    /// Forgets the recorded input.
    public func clearEvents() {
        events.removeAll()
    }

    /// An 8×8 white arrow with a black outline, hotspot at its tip.
    private static func arrowCursor() -> CursorImage {
        var pixels = [UInt32](repeating: 0, count: 64)
        for y in 0..<8 {
            for x in 0...y where x < 8 {
                pixels[y * 8 + x] = x == 0 || x == y || y == 7 ? 0xff00_0000 : 0xffff_ffff
            }
        }
        return CursorImage(width: 8, height: 8, hotspotX: 0, hotspotY: 0, pixels: pixels)
    }
}
