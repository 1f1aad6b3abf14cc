import Crypto
import Foundation

/// Random bearer secrets (login tokens, enrollment tokens, CSRF tokens) and their stored form.
///
/// Secrets carry 256 bits of randomness, so a fast hash (SHA-256) is enough for storage:
/// there is nothing to brute-force, unlike a person's password.
public enum SecretToken {
    /// A new secret: `prefix` + 43 characters of URL-safe base64.
    public static func generate(prefix: String) -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return prefix + bytes.base64URLEncoded()
    }

    /// The form kept in the database.
    public static func storedHash(of secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

extension Data {
    /// Base64 with `-` and `_`, no padding (RFC 4648 §5): safe in URLs, headers and shells.
    func base64URLEncoded() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
