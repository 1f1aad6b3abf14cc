import Crypto
import Foundation

/// Session tickets as the control plane signs them (JWT, EdDSA), made here without the
/// product's code so that the load tool stays a separate package.
struct BenchTicketSigner: Sendable {
    let key = Curve25519.Signing.PrivateKey()
    let relayID: String

    /// `ed25519:BASE64`, as the report answer carries it.
    var publicKeyText: String { "ed25519:" + key.publicKey.rawRepresentation.base64EncodedString() }

    func ticket(session: String, role: String, channel: String = "desktop") -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"EdDSA","typ":"JWT"}"#
        let payload =
            #"{"sub":"\#(session)","jti":"\#(UUID().uuidString)","iat":\#(now),"exp":\#(now + 300),"#
            + #""ch":"\#(channel)","role":"\#(role)","rid":"\#(relayID)"}"#
        let signingInput =
            Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let signature = try! key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
