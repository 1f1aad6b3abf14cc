/// The server's core keyboard mapping as `GetKeyboardMapping` returns it: for each keycode
/// from `minKeycode` on, `keysymsPerKeycode` keysyms (column 0 plain, column 1 with Shift,
/// further columns for other groups and levels; 0 is NoSymbol).
///
/// A plain value so that the choice of keycode and Shift level is tested without a server.
struct X11Keymap: Sendable, Equatable {
    /// Where a keysym is typed: the keycode, and whether Shift must be down.
    struct Location: Equatable, Sendable {
        var keycode: UInt8
        var shifted: Bool
    }

    let minKeycode: Int
    let keysymsPerKeycode: Int
    private(set) var keysyms: [UInt32]

    /// `keysyms.count` must be a multiple of `keysymsPerKeycode`.
    init(minKeycode: Int, keysymsPerKeycode: Int, keysyms: [UInt32]) {
        self.minKeycode = minKeycode
        self.keysymsPerKeycode = max(keysymsPerKeycode, 1)
        self.keysyms = keysyms
    }

    static let empty = X11Keymap(minKeycode: 8, keysymsPerKeycode: 1, keysyms: [])

    var maxKeycode: Int { minKeycode + keysyms.count / keysymsPerKeycode - 1 }

    /// The keysyms of `keycode`, empty when it is out of range.
    func symbols(of keycode: Int) -> ArraySlice<UInt32> {
        guard keycode >= minKeycode, keycode <= maxKeycode else { return [] }
        let start = (keycode - minKeycode) * keysymsPerKeycode
        return keysyms[start..<start + keysymsPerKeycode]
    }

    /// Whether the keycode produces anything at all.
    func hasSymbols(_ keycode: Int) -> Bool {
        symbols(of: keycode).contains { $0 != 0 }
    }

    /// The keycode and Shift level for `keysym` on the first two columns (group 1 without
    /// AltGr), preferring the level that matches whether Shift is already held; nil when the
    /// layout lacks it there (the caller then borrows a spare keycode).
    func location(of keysym: UInt32, shiftHeld: Bool) -> Location? {
        guard keysym != 0 else { return nil }
        var plain: Location?
        var shifted: Location?
        for keycode in minKeycode...max(minKeycode, maxKeycode) {
            let columns = symbols(of: keycode)
            guard let first = columns.first else { break }
            if first == keysym, plain == nil {
                plain = Location(keycode: UInt8(keycode), shifted: false)
            } else if columns.count > 1, columns[columns.startIndex + 1] == keysym, shifted == nil {
                shifted = Location(keycode: UInt8(keycode), shifted: true)
            }
        }
        if let found = shiftHeld ? (shifted ?? plain) : (plain ?? shifted) { return found }
        // A viewer may send Latin-1 as Unicode keysyms (0x01000000 + code point).
        if keysym >= 0x0100_0020, keysym <= 0x0100_00ff {
            return location(of: keysym & 0xff, shiftHeld: shiftHeld)
        }
        return nil
    }

    /// Whether Shift turns this key into another symbol (so a held Shift must be lifted to
    /// type the plain one); false for keys like arrows whose column 1 is empty.
    func shiftChangesSymbol(_ keycode: Int) -> Bool {
        let columns = symbols(of: keycode)
        guard columns.count > 1 else { return false }
        let plain = columns[columns.startIndex]
        let shifted = columns[columns.startIndex + 1]
        return shifted != 0 && shifted != plain
    }

    /// Keycodes that produce nothing: candidates to borrow for keysyms the layout lacks.
    var emptyKeycodes: [UInt8] {
        guard maxKeycode >= minKeycode else { return [] }
        return (minKeycode...maxKeycode).filter { !hasSymbols($0) }.map { UInt8($0) }
    }

    /// Whether keycodes are Linux evdev codes + 8 (Xorg's evdev/libinput and Xvfb's default
    /// keymaps): then XT scancodes can be translated through the evdev table. Checked on keys
    /// the older "xfree86" keycodes place elsewhere (Up is 98 there).
    var usesEvdevKeycodes: Bool {
        symbols(of: 111).contains(Keysym.up) && symbols(of: 113).contains(Keysym.left)
            && symbols(of: 9).contains(Keysym.escape)
    }

    /// Records that every column of `keycode` now holds `keysym` (0 to clear it).
    mutating func bind(_ keysym: UInt32, to keycode: UInt8) {
        let code = Int(keycode)
        guard code >= minKeycode, code <= maxKeycode else { return }
        let start = (code - minKeycode) * keysymsPerKeycode
        for index in start..<start + keysymsPerKeycode { keysyms[index] = keysym }
    }
}
