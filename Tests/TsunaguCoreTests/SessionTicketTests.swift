import Crypto
import Foundation
import Testing
import TsunaguCore

@Suite("Session tickets")
struct SessionTicketTests {
    let serverKey = Curve25519.Signing.PrivateKey()

    func ticket(relay: String = "relay-1", lifetime: TimeInterval = 30, issuedAt: Date = Date())
        -> SessionTicket
    {
        SessionTicket(
            session: "s-1", channel: .desktop, role: .operator, relay: relay, issuedAt: issuedAt,
            lifetime: lifetime)
    }

    @Test func signedTicketIsAdmittedOnce() async throws {
        let signer = await TicketSigner(privateKey: serverKey)
        let verifier = await TicketVerifier(serverKey: serverKey.publicKey, relayID: "relay-1")
        let original = ticket()
        let text = try await signer.sign(original)
        let admitted = try await verifier.admit(text)
        #expect(
            admitted.session == "s-1" && admitted.channel == .desktop && admitted.role == .operator)
        await #expect(throws: TicketVerifier.Refusal.replayed) { try await verifier.admit(text) }
    }

    @Test func attacksAreRefusedWithReasons() async throws {
        let signer = await TicketSigner(privateKey: serverKey)
        let verifier = await TicketVerifier(serverKey: serverKey.publicKey, relayID: "relay-1")
        let expired = try await signer.sign(ticket(issuedAt: Date().addingTimeInterval(-120)))
        await #expect(throws: TicketVerifier.Refusal.expired) { try await verifier.admit(expired) }
        let elsewhere = try await signer.sign(ticket(relay: "relay-2"))
        await #expect(throws: TicketVerifier.Refusal.wrongRelay) {
            try await verifier.admit(elsewhere)
        }
        let forger = await TicketSigner(privateKey: .init())
        let forged = try await forger.sign(ticket())
        await #expect(throws: TicketVerifier.Refusal.badSignature) {
            try await verifier.admit(forged)
        }
        // A real ticket with its payload edited (role swapped) no longer verifies.
        let real = try await signer.sign(ticket())
        var parts = real.split(separator: ".").map(String.init)
        let payload = Data(base64Encoded: base64(parts[1]))!
        let edited = String(decoding: payload, as: UTF8.self).replacingOccurrences(
            of: "operator", with: "agent")
        parts[1] = Data(edited.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        await #expect(throws: TicketVerifier.Refusal.badSignature) {
            try await verifier.admit(parts.joined(separator: "."))
        }
        for junk in ["", "a.b", "a.b.c", String(repeating: "x", count: 5000), "ey.ey.ey"] {
            await #expect(throws: TicketVerifier.Refusal.self) { try await verifier.admit(junk) }
        }
        // The refusals did not burn the real ticket.
        _ = try await verifier.admit(real)
    }

    func base64(_ url: String) -> String {
        var s = url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(
            of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return s
    }
}
