/// The secret that names a terminal on its agent: whoever holds it may attach (the relay has
/// already checked the operator's ticket; the token only picks the terminal).
///
/// Tokens the agent makes are 32 bytes from the system's secure random source; the protocol
/// accepts 16 to 64 bytes so that the length can change without a new version.
public struct TerminalToken: Sendable, Hashable, CustomStringConvertible {
    /// The shortest token the protocol accepts.
    public static let minimumLength = 16
    /// The longest token the protocol accepts.
    public static let maximumLength = 64

    /// The token's bytes.
    public let bytes: [UInt8]

    /// A token of these bytes, or nil when their count is outside 16...64.
    public init?(bytes: [UInt8]) {
        guard (Self.minimumLength...Self.maximumLength).contains(bytes.count) else { return nil }
        self.bytes = bytes
    }

    /// A new token of 32 random bytes (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
    public static func random() -> TerminalToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return TerminalToken(validated: bytes)
    }

    private init(validated bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The token as lowercase hex, e.g. for a command line to print and read back.
    public var hex: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// A token written as hex (as `hex` prints it), or nil.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1])
            else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// Four bytes of the token, for logs: enough to tell terminals apart, useless to attach.
    public var logID: String { String(hex.prefix(8)) }

    /// Never the secret itself: descriptions end up in logs.
    public var description: String { "token \(logID)…" }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
