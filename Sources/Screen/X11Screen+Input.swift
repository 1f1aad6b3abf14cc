import CXCB
import Glibc

/// Keys and pointer through XTEST.
extension X11Screen {
    /// Moves the pointer (clamped to the screen) and presses or releases each button whose
    /// bit changed since the last call.
    public func pointer(x: Int, y: Int, buttons newButtons: UInt8) throws {
        try processEvents()
        let px = Int16(clamping: min(max(x, 0), max(size.width - 1, 0)))
        let py = Int16(clamping: min(max(y, 0), max(size.height - 1, 0)))
        // Detail 0: absolute position on `root`.
        xcb_test_fake_input(connection, UInt8(XCB_MOTION_NOTIFY), 0, 0, root, px, py, 0)
        // RFB mask bit n is X button n + 1: left, middle, right, wheel up/down/left/right;
        // a wheel notch arrives as a mask with the bit set, then one without.
        let changed = newButtons ^ buttons
        for bit in 0..<8 where changed & (1 << bit) != 0 {
            let type = newButtons & (1 << bit) != 0 ? XCB_BUTTON_PRESS : XCB_BUTTON_RELEASE
            xcb_test_fake_input(connection, UInt8(type), UInt8(bit + 1), 0, root, 0, 0, 0)
        }
        buttons = newButtons
        try flush()
    }

    /// Presses or releases the key for `keysym` on the server's layout, adding or lifting
    /// Shift as needed, borrowing a spare keycode for keysyms the layout lacks.
    public func key(keysym: UInt32, down: Bool) throws {
        try processEvents()
        let id = HeldKey.keysym(keysym)
        if down {
            try refreshKeymapIfStale()
            try press(keysym: keysym, as: id)
        } else {
            release(id)
        }
        try flush()
    }

    /// Presses or releases the physical key of an XT scancode (evdev keymaps), else the
    /// keysym.
    public func key(scancode: UInt32, keysym: UInt32, down: Bool) throws {
        try processEvents()
        let id = HeldKey.scancode(scancode)
        guard down else {
            release(id)
            return try flush()
        }
        try refreshKeymapIfStale()
        // The scancode names a physical key, so the customer's layout decides the symbol,
        // as on a local keyboard. Keys the layout leaves empty (a JP key on a US map) fall
        // back to the viewer's keysym so they still type something.
        if keymap.usesEvdevKeycodes, let keycode = XTScancode.xKeycode(scancode),
            keymap.hasSymbols(Int(keycode))
        {
            fakeKey(keycode, down: true)
            heldKeys[id] = keycode
        } else if keysym != 0 {
            try press(keysym: keysym, as: id)
        }
        try flush()
    }

    /// Presses the key for `keysym`, adding or lifting Shift as its level needs, or borrows
    /// a spare keycode when the layout lacks it.
    private func press(keysym: UInt32, as id: HeldKey) throws {
        let heldShifts = shiftKeycodes.filter { Set(heldKeys.values).contains($0) }
        if let spare = spareKeycodes?.keycode(boundTo: keysym) {
            // Already borrowed: every column holds the keysym, Shift does not matter.
            fakeKey(spare, down: true)
            heldKeys[id] = spare
        } else if let location = keymap.location(of: keysym, shiftHeld: !heldShifts.isEmpty) {
            let keycode = location.keycode
            if location.shifted, heldShifts.isEmpty, let shift = shiftKeycodes.first {
                fakeKey(shift, down: true)
                fakeKey(keycode, down: true)
                fakeKey(shift, down: false)
            } else if !location.shifted, !heldShifts.isEmpty,
                keymap.shiftChangesSymbol(Int(keycode))
            {
                // The viewer's layout puts this symbol on Shift, ours does not (JP Shift+-
                // gives "=", a plain key on US): lift Shift around the press.
                for shift in heldShifts { fakeKey(shift, down: false) }
                fakeKey(keycode, down: true)
                for shift in heldShifts { fakeKey(shift, down: true) }
            } else {
                fakeKey(keycode, down: true)
            }
            heldKeys[id] = keycode
        } else if let spare = try borrowKeycode(for: keysym) {
            fakeKey(spare, down: true)
            heldKeys[id] = spare
        }
    }

    private func release(_ id: HeldKey) {
        // A release without our press (held before the viewer connected) is dropped.
        guard let keycode = heldKeys.removeValue(forKey: id) else { return }
        fakeKey(keycode, down: false)
    }

    /// Binds `keysym` to an unused keycode on the server, as x11vnc and TigerVNC do.
    private func borrowKeycode(for keysym: UInt32) throws -> UInt8? {
        if spareKeycodes == nil { spareKeycodes = X11SpareKeycodes(keycodes: keymap.emptyKeycodes) }
        guard let keycode = spareKeycodes?.take(for: keysym, avoiding: Set(heldKeys.values))
        else { return nil }
        setMapping(of: keycode, to: keysym)
        keymap.bind(keysym, to: keycode)
        return keycode
    }

    /// Fills every column, so any Shift/group state yields the keysym.
    private func setMapping(of keycode: UInt8, to keysym: UInt32) {
        let columns = [UInt32](repeating: keysym, count: keymap.keysymsPerKeycode)
        xcb_change_keyboard_mapping(
            connection, 1, keycode, UInt8(keymap.keysymsPerKeycode), columns)
    }

    func fakeKey(_ keycode: UInt8, down: Bool) {
        let type = down ? XCB_KEY_PRESS : XCB_KEY_RELEASE
        xcb_test_fake_input(connection, UInt8(type), keycode, 0, root, 0, 0, 0)
    }

    /// Re-reads keycodes and Shift keys after a MappingNotify (or the first time).
    func refreshKeymapIfStale() throws {
        guard keymapStale else { return }
        keymapStale = false
        let setup = xcb_get_setup(connection)!
        let minKeycode = setup.pointee.min_keycode
        let count = UInt8(setup.pointee.max_keycode - minKeycode) + 1
        let mappingCookie = xcb_get_keyboard_mapping(connection, minKeycode, count)
        let modifierCookie = xcb_get_modifier_mapping(connection)
        let mapping = try reply("GetKeyboardMapping") {
            xcb_get_keyboard_mapping_reply(connection, mappingCookie, $0)
        }
        defer { free(mapping) }
        let modifiers = try reply("GetModifierMapping") {
            xcb_get_modifier_mapping_reply(connection, modifierCookie, $0)
        }
        defer { free(modifiers) }

        let length = Int(xcb_get_keyboard_mapping_keysyms_length(mapping))
        let keysyms = xcb_get_keyboard_mapping_keysyms(mapping)
        keymap = X11Keymap(
            minKeycode: Int(minKeycode),
            keysymsPerKeycode: Int(mapping.pointee.keysyms_per_keycode),
            keysyms: keysyms.map { Array(UnsafeBufferPointer(start: $0, count: length)) } ?? [])
        spareKeycodes?.reconcile(with: keymap)

        // Row 0 of the modifier map is Shift.
        let perModifier = Int(modifiers.pointee.keycodes_per_modifier)
        let keycodes = xcb_get_modifier_mapping_keycodes(modifiers)
        shiftKeycodes = (0..<perModifier).compactMap { keycodes?[$0] }.filter { $0 != 0 }
    }

    /// Releases held keys and buttons; used on teardown, so it neither throws nor flushes.
    func releaseHeldInput() {
        for keycode in Set(heldKeys.values) { fakeKey(keycode, down: false) }
        heldKeys.removeAll()
        for bit in 0..<8 where buttons & (1 << bit) != 0 {
            xcb_test_fake_input(
                connection, UInt8(XCB_BUTTON_RELEASE), UInt8(bit + 1), 0, root, 0, 0, 0)
        }
        buttons = 0
    }

    /// Gives borrowed keycodes back (NoSymbol), leaving the customer's layout unchanged.
    func unbindSpareKeycodes() {
        for keycode in spareKeycodes?.boundKeycodes ?? [] { setMapping(of: keycode, to: 0) }
        spareKeycodes = nil
    }

    func flush() throws {
        xcb_flush(connection)
        guard xcb_connection_has_error(connection) == 0 else { throw Error.connectionLost }
    }
}
