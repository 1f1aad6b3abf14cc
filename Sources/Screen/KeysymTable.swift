/// X11 keysyms referred to by name (values from `X11/keysymdef.h`), and the keysym of a
/// character, as RFB KeyEvents carry them.
public enum Keysym {
    public static let backSpace: UInt32 = 0xff08
    public static let tab: UInt32 = 0xff09
    public static let `return`: UInt32 = 0xff0d
    public static let escape: UInt32 = 0xff1b
    public static let left: UInt32 = 0xff51
    public static let up: UInt32 = 0xff52
    public static let right: UInt32 = 0xff53
    public static let down: UInt32 = 0xff54
    public static let shiftL: UInt32 = 0xffe1
    public static let shiftR: UInt32 = 0xffe2
    public static let controlL: UInt32 = 0xffe3
    public static let altL: UInt32 = 0xffe9

    // Japanese keyboard keys.
    public static let muhenkan: UInt32 = 0xff22
    public static let henkan: UInt32 = 0xff23
    public static let hiraganaKatakana: UInt32 = 0xff27
    public static let zenkakuHankaku: UInt32 = 0xff2a
    public static let eisuToggle: UInt32 = 0xff30
    public static let yen: UInt32 = 0xa5
    public static let backslash: UInt32 = 0x5c
    public static let underscore: UInt32 = 0x5f

    /// The keysym that types `scalar`: control keys for newline, tab and backspace,
    /// Latin-1 as itself, anything else as `0x01000000 + code point`.
    public static func of(_ scalar: Unicode.Scalar) -> UInt32 {
        switch scalar.value {
        case 0x0a, 0x0d: `return`
        case 0x09: tab
        case 0x08: backSpace
        case 0x20...0x7e, 0xa0...0xff: scalar.value
        default: 0x0100_0000 + scalar.value
        }
    }
}
