import Foundation

/// The exact bytes each side signs in the control handshake. Each starts with its own
/// context string, so a signature made for one purpose is never valid for another.
public enum ControlHandshakeBytes {
    /// What the server signs: both nonces.
    public static func server(clientNonce: String, serverNonce: String) -> Data {
        Data("tsunagu/control/server/v1\n\(clientNonce)\n\(serverNonce)".utf8)
    }

    /// What the agent signs: both nonces, the server key it saw and who it claims to be, so
    /// a proof cannot be replayed to another server or for another device.
    public static func agent(
        clientNonce: String, serverNonce: String, serverKey: String, company: String, name: String
    ) -> Data {
        Data(
            "tsunagu/control/agent/v1\n\(clientNonce)\n\(serverNonce)\n\(serverKey)\n\(company)\n\(name)"
                .utf8)
    }

    /// A fresh random nonce, base64 of 32 bytes.
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
