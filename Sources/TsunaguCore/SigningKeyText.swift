import Crypto
import Foundation

/// The text form of Ed25519 public keys: `ed25519:` + base64 of the 32 raw bytes. Used for
/// `--server-key`, the agent's pinned server key and the device key the server stores.
public enum SigningKeyText {
    static let prefix = "ed25519:"

    /// Formats a public key.
    public static func format(_ key: Curve25519.Signing.PublicKey) -> String {
        prefix + key.rawRepresentation.base64EncodedString()
    }

    /// Parses a public key; nil when the text is not one.
    public static func parse(_ text: String) -> Curve25519.Signing.PublicKey? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = trimmed.hasPrefix(prefix) ? String(trimmed.dropFirst(prefix.count)) : trimmed
        guard let raw = Data(base64Encoded: body), raw.count == 32 else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    /// A short fingerprint for people to compare: the first 16 hex digits of SHA-256.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: key.rawRepresentation).prefix(8).map { String(format: "%02x", $0) }
            .joined()
    }
}
