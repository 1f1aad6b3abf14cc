import CXCB
import Glibc
import RFB

/// The local X server's screen and input through XCB: MIT-SHM capture, DAMAGE hints, XFIXES
/// cursor and clipboard notifications, XTEST input.
///
/// One XCB connection, used by one task at a time; the class is deliberately not `Sendable`.
/// X events (clipboard requests from other clients, cursor and keymap changes) are handled
/// without blocking inside ``capture(into:)``, the input calls and ``processEvents()``, which
/// the owner calls 30–60 times a second anyway.
public final class X11Screen: ScreenSource, InputSink {
    /// Why the X server cannot be used, or stopped working.
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// `xcb_connect` failed: no server, no permission (Xauthority), or a bad display name.
        case cannotOpenDisplay(String)
        /// The server lacks an extension we need ("MIT-SHM", "XTEST", "DAMAGE", "XFIXES").
        case missingExtension(String)
        /// The root window is not 24/32-bit true colour with 32 bits per pixel, LSB first.
        case unsupportedPixelFormat(depth: Int, bitsPerPixel: Int)
        /// A System V shared-memory call failed (`shmget`/`shmat`) with this errno.
        case sharedMemory(operation: String, errno: Int32)
        /// The server answered a request with an X error.
        case requestFailed(request: String, errorCode: UInt8)
        /// The connection to the X server broke (server exited or I/O error).
        case connectionLost

        public var description: String {
            switch self {
            case .cannotOpenDisplay(let name): "cannot open X display \(name)"
            case .missingExtension(let name): "the X server lacks the \(name) extension"
            case .unsupportedPixelFormat(let depth, let bpp):
                "unsupported X pixel format: depth \(depth), \(bpp) bits per pixel"
            case .sharedMemory(let operation, let code): "\(operation) failed: errno \(code)"
            case .requestFailed(let request, let code): "X request \(request) failed: error \(code)"
            case .connectionLost: "connection to the X server lost"
            }
        }
    }

    /// Where extension events start in the event number space of this connection.
    struct EventBases {
        var damage: UInt8
        var xfixes: UInt8
        var randr: UInt8?
    }

    let connection: OpaquePointer
    let root: xcb_window_t
    let eventBases: EventBases
    /// Beyond this many damage rectangles a capture reports their bounding box instead.
    let maxDamageRects: Int

    /// The current screen size in pixels.
    public private(set) var size: (width: Int, height: Int)

    var sharedMemory: X11SharedMemory?
    let damage: xcb_damage_damage_t
    /// A server-side region the damage is moved into, to fetch it in one reply.
    let damageRegion: xcb_xfixes_region_t
    /// Set by RANDR screen-change events: re-read the root geometry before capturing.
    var geometryStale = false
    /// False until a capture after the last size change: that one returns nil (whole frame).
    var hasFullFrame = false
    /// Set by DamageNotify (sent when the server's damage turns non-empty), cleared when we
    /// take the damage: while false, nothing was drawn and ``pendingDamage()`` needs no
    /// round trip. True at first, to take whatever was drawn before we started.
    var damageNotified = true
    /// Damage already taken by ``pendingDamage()``, still owed to the next capture.
    var peekedDamage: [Rect] = []

    var cursorChanged = true
    var lastCursorSerial: UInt32?

    var keymap = X11Keymap.empty
    var keymapStale = true
    var shiftKeycodes: [UInt8] = []
    var spareKeycodes: X11SpareKeycodes?
    /// Keys we hold down, by what pressed them, so a release uses the same keycode.
    var heldKeys: [HeldKey: UInt8] = [:]
    var buttons: UInt8 = 0

    var clipboard: X11Clipboard

    /// What pressed a key: RFB KeyEvent (keysym) or QEMU Extended Key Event (scancode).
    enum HeldKey: Hashable {
        case keysym(UInt32)
        case scancode(UInt32)
    }

    /// Connects to `display` (nil: `$DISPLAY`) and checks the extensions and pixel format.
    ///
    /// - Parameter maxDamageRects: beyond this many damaged rectangles, ``capture(into:)``
    ///   returns their bounding box (the caller compares tiles inside it anyway).
    public init(display: String? = nil, maxDamageRects: Int = 256) throws {
        var screenNumber: Int32 = 0
        let displayName = display ?? getenv("DISPLAY").map { String(cString: $0) } ?? "(unset)"
        guard let connection = xcb_connect(display, &screenNumber) else {
            throw Error.cannotOpenDisplay(displayName)
        }
        guard xcb_connection_has_error(connection) == 0 else {
            xcb_disconnect(connection)
            throw Error.cannotOpenDisplay(displayName)
        }
        // Until every stored property is set, deinit will not run: clean up by hand.
        let setup: X11Setup
        do {
            setup = try X11Setup(connection: connection, screenNumber: Int(screenNumber))
        } catch {
            xcb_disconnect(connection)
            throw error
        }
        self.connection = connection
        self.root = setup.root
        self.eventBases = setup.eventBases
        self.maxDamageRects = maxDamageRects
        self.size = (setup.width, setup.height)
        self.damage = setup.damage
        self.damageRegion = setup.damageRegion
        self.clipboard = X11Clipboard(connection: connection, root: setup.root, atoms: setup.atoms)
        clipboard.start()
        xcb_flush(connection)
    }

    deinit {
        // Leave the customer's machine as we found it: no stuck keys or buttons, no borrowed
        // keycodes, no shared-memory segment.
        releaseHeldInput()
        unbindSpareKeycodes()
        sharedMemory = nil
        clipboard.stop()
        xcb_damage_destroy(connection, damage)
        xcb_xfixes_destroy_region(connection, damageRegion)
        // A round trip before closing: a server that sees the hang-up first may drop the
        // requests still unread in its buffer (measured under load: stuck keys on Xvfb).
        free(xcb_get_input_focus_reply(connection, xcb_get_input_focus(connection), nil))
        xcb_disconnect(connection)
    }

    /// Handles pending X events without blocking: other clients' clipboard requests, cursor,
    /// keymap and screen-size changes. Capture and input calls do this too; call it when
    /// neither happens for a while so that pastes on the customer's side are answered.
    public func processEvents() throws {
        while let event = xcb_poll_for_event(connection) {
            handle(event)
            free(event)
        }
        guard xcb_connection_has_error(connection) == 0 else { throw Error.connectionLost }
    }

    /// Releases every key and button the operator holds (for a viewer that went away).
    public func releaseAllInput() throws {
        releaseHeldInput()
        xcb_flush(connection)
        guard xcb_connection_has_error(connection) == 0 else { throw Error.connectionLost }
    }

    // MARK: Capture

    /// Takes the screen through MIT-SHM; returns the DAMAGE rectangles since the last
    /// capture (those ``pendingDamage()`` saw included), nil the first time and after a size
    /// change.
    public func capture(into frame: inout Framebuffer) throws -> [Rect]? {
        try processEvents()
        if geometryStale { try refreshGeometry() }
        var damaged: [Rect]
        do {
            damaged = try grab()
        } catch Error.requestFailed {
            // BadMatch/BadValue when the screen shrank under us: re-read the size once.
            try refreshGeometry()
            damaged = try grab()
        }
        damaged = peekedDamage + damaged
        peekedDamage = []
        guard let memory = sharedMemory else { return nil }
        if frame.width != size.width || frame.height != size.height {
            frame.resize(width: size.width, height: size.height)
        }
        // The X server leaves the padding byte of depth-24 pixels unspecified (Xvfb writes
        // 0xFF there); zero it so that equal colours are equal words for every encoder.
        let count = size.width * size.height
        let source = memory.address.assumingMemoryBound(to: UInt32.self)
        frame.pixels.withUnsafeMutableBufferPointer { pixels in
            let target = pixels.baseAddress!
            for i in 0..<count { target[i] = source[i] & 0x00FF_FFFF }
        }
        guard hasFullFrame else {
            hasFullFrame = true
            return nil
        }
        if damaged.count > maxDamageRects { damaged = [Self.boundingBox(damaged)] }
        return damaged
    }

    /// Moves the damage so far into our region and takes the whole screen into shared
    /// memory, in one round trip. Damage is taken first: a change between the two requests
    /// shows in this image and again in the next damage, never in neither.
    private func grab() throws -> [Rect] {
        let memory = try currentSharedMemory()
        damageNotified = false
        xcb_damage_subtract(connection, damage, 0, damageRegion)
        let regionCookie = xcb_xfixes_fetch_region(connection, damageRegion)
        let imageCookie = xcb_shm_get_image(
            connection, root, 0, 0, UInt16(size.width), UInt16(size.height), ~0,
            UInt8(XCB_IMAGE_FORMAT_Z_PIXMAP.rawValue), memory.segment, 0)
        let region = try reply("XFixesFetchRegion") {
            xcb_xfixes_fetch_region_reply(connection, regionCookie, $0)
        }
        defer { free(region) }
        let image = try reply("ShmGetImage") {
            xcb_shm_get_image_reply(connection, imageCookie, $0)
        }
        free(image)
        return rectangles(of: region)
    }

    /// The segment for the current size, made (again) when the size changed.
    private func currentSharedMemory() throws -> X11SharedMemory {
        let bytes = size.width * size.height * 4
        if let memory = sharedMemory, memory.byteCount == bytes { return memory }
        sharedMemory = nil
        let memory = try X11SharedMemory(connection: connection, byteCount: bytes)
        sharedMemory = memory
        return memory
    }

    /// Re-reads the root window's size; a change means the next capture is a full frame.
    func refreshGeometry() throws {
        geometryStale = false
        let cookie = xcb_get_geometry(connection, root)
        let geometry = try reply("GetGeometry") { xcb_get_geometry_reply(connection, cookie, $0) }
        defer { free(geometry) }
        let newSize = (Int(geometry.pointee.width), Int(geometry.pointee.height))
        if newSize != size {
            size = newSize
            hasFullFrame = false
        }
    }

    static func boundingBox(_ rects: [Rect]) -> Rect {
        let x0 = rects.map(\.x).min() ?? 0
        let y0 = rects.map(\.y).min() ?? 0
        let x1 = rects.map(\.maxX).max() ?? 0
        let y1 = rects.map(\.maxY).max() ?? 0
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    // MARK: Requests

    /// Waits for a reply, turning an X error or a broken connection into ``Error``.
    func reply<Reply>(
        _ request: String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<xcb_generic_error_t>?>) ->
            UnsafeMutablePointer<Reply>?
    ) throws -> UnsafeMutablePointer<Reply> {
        try X11Setup.reply(connection: connection, request, body)
    }
}
