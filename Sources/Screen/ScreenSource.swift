import RFB

/// Where screen images come from: the X server (``X11Screen``), a VNC server we bridge to, or
/// a synthetic picture in tests. Owned by one task at a time; not shared across threads.
public protocol ScreenSource: AnyObject {
    /// The current screen size in pixels.
    var size: (width: Int, height: Int) { get }

    /// Copies the current screen into `frame` (resizing it when the screen size changed) and
    /// returns the areas the source knows changed since the previous capture, or nil when it
    /// cannot tell (then the caller compares the whole frame).
    func capture(into frame: inout Framebuffer) throws -> [Rect]?

    /// The areas the source knows changed since the previous capture, learnt without taking
    /// the image, so that a still screen costs no capture at all; nil when it cannot tell
    /// (then the caller captures). An empty array means nothing changed. What this returns
    /// is still reported by the next ``capture(into:)``.
    func pendingDamage() throws -> [Rect]?

    /// The pointer's image when it changed since the last call, else nil.
    func cursorIfChanged() throws -> CursorImage?

    /// The customer's clipboard text when it changed since the last call, else nil.
    func clipboardIfChanged() throws -> String?
}

extension ScreenSource {
    /// Sources that learn damage only by capturing cannot tell: nil.
    public func pendingDamage() throws -> [Rect]? { nil }
}

/// Where input from the operator goes: keys, pointer and clipboard.
public protocol InputSink: AnyObject {
    /// Presses or releases the key that produces `keysym` (X11 keysym, as RFB sends).
    func key(keysym: UInt32, down: Bool) throws

    /// Presses or releases a key by its XT scancode (QEMU Extended Key Event), which keeps
    /// the layout of the customer's keyboard (Japanese keys among them); `keysym` is a hint.
    func key(scancode: UInt32, keysym: UInt32, down: Bool) throws

    /// Moves the pointer to (x, y) with the RFB button mask (bit 0 left, 1 middle, 2 right,
    /// 3/4 wheel up/down, 5/6 wheel left/right).
    func pointer(x: Int, y: Int, buttons: UInt8) throws

    /// Puts UTF-8 text on the customer's clipboard.
    func setClipboard(_ text: String) throws
}
