import CXCB
import Glibc

/// What ``X11Screen`` learns and creates once on a fresh connection: the root window, the
/// extensions (checked and version-negotiated), the damage object and the atoms.
///
/// Kept apart from ``X11Screen`` so a failure halfway leaves nothing for a deinit to undo
/// but the connection, which the caller closes.
struct X11Setup {
    let root: xcb_window_t
    let width: Int
    let height: Int
    let eventBases: X11Screen.EventBases
    let damage: xcb_damage_damage_t
    let damageRegion: xcb_xfixes_region_t
    let atoms: X11Clipboard.Atoms

    init(connection: OpaquePointer, screenNumber: Int) throws {
        let setup = xcb_get_setup(connection)!
        var screens = xcb_setup_roots_iterator(setup)
        for _ in 0..<screenNumber where screens.rem > 1 { xcb_screen_next(&screens) }
        let screen = screens.data.pointee
        root = screen.root
        width = Int(screen.width_in_pixels)
        height = Int(screen.height_in_pixels)
        try Self.checkPixelFormat(setup: setup, depth: screen.root_depth)

        guard Self.present(connection, cxcb_shm_id()) != nil else {
            throw X11Screen.Error.missingExtension("MIT-SHM")
        }
        guard Self.present(connection, cxcb_test_id()) != nil else {
            throw X11Screen.Error.missingExtension("XTEST")
        }
        guard let damageBase = Self.present(connection, cxcb_damage_id()) else {
            throw X11Screen.Error.missingExtension("DAMAGE")
        }
        guard let xfixesBase = Self.present(connection, cxcb_xfixes_id()) else {
            throw X11Screen.Error.missingExtension("XFIXES")
        }
        // RANDR is optional: without it a size change is noticed when a capture fails.
        let randrBase = Self.present(connection, cxcb_randr_id())
        eventBases = .init(damage: damageBase, xfixes: xfixesBase, randr: randrBase)
        try Self.negotiateVersions(connection, randr: randrBase != nil)

        damageRegion = xcb_generate_id(connection)
        xcb_xfixes_create_region(connection, damageRegion, 0, nil)
        damage = xcb_generate_id(connection)
        // Non-empty level: one event per empty→non-empty change, the rectangles are fetched
        // (merged by the server) once per capture instead of one event per drawing call.
        xcb_damage_create(
            connection, damage, root, UInt8(XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY.rawValue))
        xcb_xfixes_select_cursor_input(
            connection, root, XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR.rawValue)
        if randrBase != nil {
            xcb_randr_select_input(
                connection, root, UInt16(XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE.rawValue))
        }
        atoms = try X11Clipboard.Atoms(connection: connection)
    }

    /// The extension's first event number when the server has it, else nil.
    private static func present(
        _ connection: OpaquePointer, _ id: OpaquePointer
    ) -> UInt8? {
        guard let data = xcb_get_extension_data(connection, id), data.pointee.present != 0 else {
            return nil
        }
        return data.pointee.first_event
    }

    /// DAMAGE, XFIXES and RANDR refuse requests until the client announced its version.
    private static func negotiateVersions(_ connection: OpaquePointer, randr: Bool) throws {
        let shm = xcb_shm_query_version(connection)
        let test = xcb_test_get_version(connection, 2, 2)
        let damage = xcb_damage_query_version(connection, 1, 1)
        let xfixes = xcb_xfixes_query_version(connection, 5, 0)
        free(
            try reply(connection: connection, "ShmQueryVersion") {
                xcb_shm_query_version_reply(connection, shm, $0)
            })
        free(
            try reply(connection: connection, "XTestGetVersion") {
                xcb_test_get_version_reply(connection, test, $0)
            })
        free(
            try reply(connection: connection, "DamageQueryVersion") {
                xcb_damage_query_version_reply(connection, damage, $0)
            })
        let fixes = try reply(connection: connection, "XFixesQueryVersion") {
            xcb_xfixes_query_version_reply(connection, xfixes, $0)
        }
        defer { free(fixes) }
        // Cursor images, selection events and regions arrived with XFIXES 2.
        guard fixes.pointee.major_version >= 2 else {
            throw X11Screen.Error.missingExtension("XFIXES 2")
        }
        if randr {
            let cookie = xcb_randr_query_version(connection, 1, 2)
            free(
                try reply(connection: connection, "RandrQueryVersion") {
                    xcb_randr_query_version_reply(connection, cookie, $0)
                })
        }
    }

    /// Capture copies the server's bytes as they are, so they must already be 0x00RRGGBB
    /// little-endian words.
    private static func checkPixelFormat(
        setup: UnsafePointer<xcb_setup_t>, depth: UInt8
    ) throws {
        let count = Int(xcb_setup_pixmap_formats_length(setup))
        let formats = xcb_setup_pixmap_formats(setup)
        let bitsPerPixel =
            (0..<count).lazy.compactMap { index -> Int? in
                guard let format = formats?[index], format.depth == depth else { return nil }
                return Int(format.bits_per_pixel)
            }.first ?? 0
        let lsbFirst = setup.pointee.image_byte_order == UInt8(XCB_IMAGE_ORDER_LSB_FIRST.rawValue)
        guard depth == 24 || depth == 32, bitsPerPixel == 32, lsbFirst else {
            throw X11Screen.Error.unsupportedPixelFormat(
                depth: Int(depth), bitsPerPixel: bitsPerPixel)
        }
    }

    /// Waits for a reply, turning an X error or a broken connection into ``X11Screen/Error``.
    static func reply<Reply>(
        connection: OpaquePointer,
        _ request: String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<xcb_generic_error_t>?>) ->
            UnsafeMutablePointer<Reply>?
    ) throws -> UnsafeMutablePointer<Reply> {
        var error: UnsafeMutablePointer<xcb_generic_error_t>?
        if let reply = body(&error) { return reply }
        if let error {
            let code = error.pointee.error_code
            free(error)
            throw X11Screen.Error.requestFailed(request: request, errorCode: code)
        }
        throw X11Screen.Error.connectionLost
    }
}
