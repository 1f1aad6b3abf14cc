import Crypto
import Foundation
import TsunaguCore

/// The server's Ed25519 identity: agents pin its public key, and (from issue 4 on) relays
/// verify the session tickets it signs. Made at first start in the data directory; several
/// server instances must share the same file.
public struct ServerIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    /// The public key as `ed25519:BASE64`, what `tsunagu-agent --server-key` takes.
    public var publicKeyText: String { SigningKeyText.format(privateKey.publicKey) }

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    static let fileName = "server-identity.ed25519"

    /// Loads the key from `dataDirectory`, creating it (mode 0600) on first start.
    public static func loadOrCreate(in dataDirectory: String) throws -> ServerIdentity {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else {
                throw ServerConfiguration.Invalid(
                    description: "\(path) is not a server identity key; restore it from a backup")
            }
            return ServerIdentity(privateKey: key)
        }
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true)
        let key = Curve25519.Signing.PrivateKey()
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(key.rawRepresentation.base64EncodedString().utf8),
            attributes: [.posixPermissions: 0o600])
        guard created else {
            throw ServerConfiguration.Invalid(description: "cannot write the server key to \(path)")
        }
        return ServerIdentity(privateKey: key)
    }
}
