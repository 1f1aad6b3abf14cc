import RFB
import Screen

/// A screen the tests paint on and whose input they read back.
///
/// `@unchecked Sendable`: the tests touch it only from the thread that runs the embedded
/// event loop the desktop lives on, so there is no concurrent access to guard.
final class TestScreen: ScreenSource, InputSink, @unchecked Sendable {
    var frame: Framebuffer
    var cursor: CursorImage?
    var clipboard: String?
    var keys: [(UInt32, Bool)] = []
    var scancodes: [UInt32] = []
    var pointers: [(Int, Int, UInt8)] = []
    var pasted: [String] = []
    /// When set, the screen reports damage like X11: ``pendingDamage()`` returns it and a
    /// capture returns it and clears it. When nil, the screen cannot tell (nil, as before).
    var damage: [Rect]?
    /// How many times each call was made.
    var captures = 0
    var damageChecks = 0

    init(width: Int, height: Int) {
        frame = Framebuffer(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                frame[x, y] = UInt32(x & 0xFF) << 16 | UInt32(y & 0xFF) << 8 | 0x40
            }
        }
    }

    var size: (width: Int, height: Int) { (frame.width, frame.height) }

    func capture(into target: inout Framebuffer) throws -> [Rect]? {
        captures += 1
        target = frame
        defer { if damage != nil { damage = [] } }
        return damage
    }

    func pendingDamage() throws -> [Rect]? {
        damageChecks += 1
        return damage
    }

    /// Paints `colour` over `rect` and, unless `hidden`, reports it as damage.
    func paint(_ rect: Rect, _ colour: UInt32, hidden: Bool = false) {
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX { frame[x, y] = colour }
        }
        if !hidden, damage != nil { damage?.append(rect) }
    }

    func cursorIfChanged() throws -> CursorImage? {
        defer { cursor = nil }
        return cursor
    }

    func clipboardIfChanged() throws -> String? {
        defer { clipboard = nil }
        return clipboard
    }

    func key(keysym: UInt32, down: Bool) throws { keys.append((keysym, down)) }
    func key(scancode: UInt32, keysym: UInt32, down: Bool) throws { scancodes.append(scancode) }
    func pointer(x: Int, y: Int, buttons: UInt8) throws { pointers.append((x, y, buttons)) }
    func setClipboard(_ text: String) throws { pasted.append(text) }
}
