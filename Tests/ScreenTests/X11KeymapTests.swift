import Testing

@testable import Screen

/// Keycode choice and spare keycodes without a server.
@Suite("X11Keymap")
struct X11KeymapTests {
    // Keycodes 8…12: empty, a/A, 1/!, Left, empty.
    let keymap = X11Keymap(
        minKeycode: 8, keysymsPerKeycode: 2,
        keysyms: [0, 0, 0x61, 0x41, 0x31, 0x21, Keysym.left, 0, 0, 0])

    @Test("plain and shifted levels, preferring the one Shift already gives")
    func locations() {
        #expect(keymap.location(of: 0x61, shiftHeld: false) == .init(keycode: 9, shifted: false))
        #expect(keymap.location(of: 0x41, shiftHeld: false) == .init(keycode: 9, shifted: true))
        #expect(keymap.location(of: 0x21, shiftHeld: true) == .init(keycode: 10, shifted: true))
        #expect(
            keymap.location(of: 0x0100_0041, shiftHeld: false) == .init(keycode: 9, shifted: true))
        #expect(keymap.location(of: Keysym.yen, shiftHeld: false) == nil)
        #expect(keymap.location(of: 0, shiftHeld: false) == nil)
        #expect(keymap.shiftChangesSymbol(9))
        #expect(!keymap.shiftChangesSymbol(11))
        #expect(keymap.emptyKeycodes == [8, 12])
    }

    @Test("spares are taken highest first, reused oldest first, never while held")
    func spares() {
        var map = keymap
        var spares = X11SpareKeycodes(keycodes: map.emptyKeycodes)
        #expect(spares.take(for: Keysym.yen, avoiding: []) == 12)
        map.bind(Keysym.yen, to: 12)
        #expect(map.location(of: Keysym.yen, shiftHeld: true) != nil)
        #expect(spares.take(for: 0x3042, avoiding: []) == 8)
        #expect(spares.keycode(boundTo: Keysym.yen) == 12)
        #expect(spares.take(for: 0x3044, avoiding: [12]) == 8)
        #expect(spares.take(for: 0x3046, avoiding: [12, 8]) == nil)
        #expect(spares.keycode(boundTo: 0x3042) == nil)
        spares.reconcile(with: map)
        #expect(spares.boundKeycodes == [12])
    }

    @Test("XT scancodes to evdev, extended in both encodings")
    func scancodeTable() {
        #expect(XTScancode.evdevKeycode(0x01) == 1)
        #expect(XTScancode.xKeycode(0x1e) == 38)
        #expect(XTScancode.evdevKeycode(0xe048) == 103)
        #expect(XTScancode.evdevKeycode(0xc8) == 103)
        #expect(XTScancode.evdevKeycode(0xe01d) == 97)
        #expect(XTScancode.evdevKeycode(0x9d) == 97)
        #expect(XTScancode.evdevKeycode(0x70) == 93)  // Hiragana_Katakana
        #expect(XTScancode.evdevKeycode(0x29) == 41)  // JP Zenkaku_Hankaku position
        #expect(XTScancode.evdevKeycode(0x73) == 89)  // ro
        #expect(XTScancode.evdevKeycode(0x7d) == 124)  // yen
        #expect(XTScancode.evdevKeycode(0x7f) == nil)
        #expect(XTScancode.evdevKeycode(0) == nil)
    }

    @Test("keysym of a character")
    func keysymOf() {
        #expect(Keysym.of("a") == 0x61)
        #expect(Keysym.of("\n") == Keysym.return)
        #expect(Keysym.of("¥") == Keysym.yen)
        #expect(Keysym.of("あ") == 0x0100_3042)
    }
}
