import Crypto
import Foundation
import TsunaguCore

/// What the agent keeps between runs in `--state-dir`: its device key, the server key it
/// pinned, and what it already registered (so a single-use enrollment token is not shown
/// twice and an unchanged password is not re-sent on every reconnect).
public struct AgentStateDirectory: Sendable {
    public let path: String

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private func file(_ name: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(name).path
    }

    /// The device's Ed25519 key, made on first run (mode 0600).
    public func deviceKey() throws -> Curve25519.Signing.PrivateKey {
        let keyFile = file("device-key.ed25519")
        if let text = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else { throw AgentControlError.corruptState("\(keyFile) is not a device key") }
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        try write(key.rawRepresentation.base64EncodedString(), to: keyFile)
        return key
    }

    /// The server key pinned on first use, if any.
    public func pinnedServerKey() -> String? {
        (try? String(contentsOfFile: file("server-key.pub"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Pins `key` for later runs (trust on first use).
    public func pinServerKey(_ key: String) throws {
        try write(key, to: file("server-key.pub"))
    }

    /// The registration the server confirmed last: "company/name" and a digest of the
    /// password it holds.
    public struct Registration: Codable, Sendable, Equatable {
        public var company: String
        public var name: String
        public var passwordDigest: String?
    }

    public func registration() -> Registration? {
        guard let data = FileManager.default.contents(atPath: file("registration.json")) else {
            return nil
        }
        return try? JSONDecoder().decode(Registration.self, from: data)
    }

    public func saveRegistration(_ registration: Registration) throws {
        try write(String(decoding: try JSONEncoder().encode(registration), as: UTF8.self), to: file("registration.json"))
    }

    /// A digest to notice password changes without storing the password.
    public static func passwordDigest(_ password: String, key: Curve25519.Signing.PublicKey) -> String {
        let digest = SHA256.hash(data: key.rawRepresentation + Data(password.utf8))
        return Data(digest).base64EncodedString()
    }

    /// Writes atomically with mode 0600: a crash never leaves half a key.
    private func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw AgentControlError.corruptState("cannot write \(temporary)") }
        if rename(temporary, path) != 0 {
            throw AgentControlError.corruptState("cannot replace \(path)")
        }
    }
}
