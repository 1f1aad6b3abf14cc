/// VNC Authentication (RFC 6143 §7.2.2): the server sends a random 16-byte challenge, the
/// client answers with it DES-encrypted under the password. The password is cut or padded
/// with NULs to 8 bytes, and each byte's bits are reversed before use as the key (a quirk of
/// the original implementation that every viewer keeps).
public enum VNCAuthentication {
    /// The length of the challenge and of the response.
    public static let challengeLength = 16

    /// The response a client holding `password` sends for `challenge`.
    public static func response(challenge: [UInt8], password: String) -> [UInt8] {
        precondition(challenge.count == challengeLength)
        let cipher = DES(key: key(for: password))
        return cipher.encrypt(block: challenge[0..<8]) + cipher.encrypt(block: challenge[8..<16])
    }

    /// True when `response` proves knowledge of `password`; compares in constant time.
    public static func verify(response: [UInt8], challenge: [UInt8], password: String) -> Bool {
        guard response.count == challengeLength else { return false }
        let expected = Self.response(challenge: challenge, password: password)
        var difference: UInt8 = 0
        for (a, b) in zip(expected, response) { difference |= a ^ b }
        return difference == 0
    }

    /// The 8-byte DES key: the first 8 bytes of the UTF-8 password, NUL-padded, bit-reversed.
    static func key(for password: String) -> [UInt8] {
        var bytes = Array(password.utf8.prefix(8))
        bytes += [UInt8](repeating: 0, count: 8 - bytes.count)
        return bytes.map { byte in
            var reversed: UInt8 = 0
            for bit in 0..<8 where byte & (1 << bit) != 0 { reversed |= 0x80 >> bit }
            return reversed
        }
    }
}
