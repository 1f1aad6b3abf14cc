/// XT (PC AT set 1) scancodes, as the QEMU Extended Key Event carries them, to Linux evdev
/// keycodes; on Xorg/Xvfb with evdev keymaps the X keycode is the evdev code + 8.
///
/// The pairs are those of the keymap database QEMU and noVNC generate their tables from
/// (noVNC `core/input/xtscancodes.js`: browser code → XT; the same rows give XT → evdev).
public enum XTScancode {
    /// The evdev keycode for an XT scancode, or nil when unknown.
    ///
    /// Extended (0xE0-prefixed) keys are accepted both as `0xE0xx` and in QEMU's wire form
    /// `0x80 | xx`, which noVNC sends.
    public static func evdevKeycode(_ scancode: UInt32) -> Int? {
        if scancode & 0xff00 == 0xe000 { return extended[UInt8(scancode & 0x7f)] }
        if scancode >= 0x80, scancode <= 0xff { return extended[UInt8(scancode & 0x7f)] }
        guard scancode > 0, scancode < 0x80 else { return nil }
        // Escape (1) … keypad Delete (0x53) are numbered alike in both schemes.
        if scancode <= 0x53 { return Int(scancode) }
        return plain[UInt8(scancode)]
    }

    /// The X keycode on an evdev keymap, or nil.
    public static func xKeycode(_ scancode: UInt32) -> UInt8? {
        evdevKeycode(scancode).flatMap { UInt8(exactly: $0 + 8) }
    }

    /// Single-byte codes above 0x53.
    private static let plain: [UInt8: Int] = [
        0x54: 99,  // PrintScreen (SysRq)
        0x55: 186,  // F16
        0x56: 86,  // IntlBackslash (102nd key)
        0x57: 87,  // F11
        0x58: 88,  // F12
        0x59: 117,  // NumpadEqual
        0x5a: 190,  // F20
        0x5d: 183,  // F13
        0x5e: 184,  // F14
        0x5f: 185,  // F15
        0x64: 134,  // Open
        0x65: 135,  // Paste
        0x6d: 193,  // F23
        0x6f: 194,  // F24
        0x70: 93,  // KanaMode: KEY_KATAKANAHIRAGANA (Hiragana_Katakana)
        0x73: 89,  // IntlRo: KEY_RO (JP backslash/underscore)
        0x74: 191,  // F21
        0x76: 85,  // Lang5: KEY_ZENKAKUHANKAKU
        0x77: 91,  // Lang4: KEY_HIRAGANA
        0x78: 90,  // Lang3: KEY_KATAKANA
        0x79: 92,  // Convert: KEY_HENKAN
        0x7b: 94,  // NonConvert: KEY_MUHENKAN
        0x7d: 124,  // IntlYen: KEY_YEN
        0x7e: 121,  // NumpadComma
    ]

    /// 0xE0-prefixed codes by their second byte.
    private static let extended: [UInt8: Int] = [
        0x03: 187,  // F17
        0x04: 189,  // F19
        0x05: 129,  // Again
        0x06: 130,  // Props
        0x07: 131,  // Undo
        0x10: 165,  // MediaTrackPrevious
        0x19: 163,  // MediaTrackNext
        0x1c: 96,  // NumpadEnter
        0x1d: 97,  // ControlRight
        0x20: 113,  // AudioVolumeMute
        0x21: 140,  // LaunchApp2 (Calculator)
        0x22: 164,  // MediaPlayPause
        0x24: 166,  // MediaStop
        0x25: 205,  // Suspend
        0x2e: 114,  // AudioVolumeDown
        0x30: 115,  // AudioVolumeUp
        0x32: 172,  // BrowserHome
        0x35: 98,  // NumpadDivide
        0x37: 99,  // PrintScreen as real keyboards send it
        0x38: 100,  // AltRight
        0x3c: 137,  // Cut
        0x41: 136,  // Find
        0x46: 119,  // Pause
        0x47: 102,  // Home
        0x48: 103,  // ArrowUp
        0x49: 104,  // PageUp
        0x4b: 105,  // ArrowLeft
        0x4d: 106,  // ArrowRight
        0x4f: 107,  // End
        0x50: 108,  // ArrowDown
        0x51: 109,  // PageDown
        0x52: 110,  // Insert
        0x53: 111,  // Delete
        0x5b: 125,  // MetaLeft
        0x5c: 126,  // MetaRight
        0x5d: 127,  // ContextMenu
        0x5e: 116,  // Power
        0x5f: 142,  // Sleep
        0x63: 143,  // WakeUp
        0x65: 217,  // BrowserSearch
        0x66: 156,  // BrowserFavorites
        0x67: 173,  // BrowserRefresh
        0x68: 128,  // BrowserStop
        0x69: 159,  // BrowserForward
        0x6a: 158,  // BrowserBack
        0x6b: 157,  // LaunchApp1 (Computer)
        0x6c: 155,  // LaunchMail
        0x6d: 226,  // MediaSelect
        0x75: 138,  // Help
        0x76: 179,  // NumpadParenLeft
        0x77: 188,  // F18
        0x78: 133,  // Copy
        0x79: 192,  // F22
        0x7b: 180,  // NumpadParenRight
        0x7d: 162,  // Eject
    ]
}
