import Crypto
import Foundation
import JWTKit

/// Signs session tickets with the control plane's Ed25519 key.
public struct TicketSigner: Sendable {
    private let keys: JWTKeyCollection

    public init(privateKey: Curve25519.Signing.PrivateKey) async {
        keys = await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: privateKey))
    }

    /// The compact JWT text of `ticket`.
    public func sign(_ ticket: SessionTicket) async throws -> String {
        try await keys.sign(ticket)
    }
}

/// Checks session tickets at a relay: signature by the server's key, expiry, relay id and
/// single use. Replay protection remembers ticket ids until they expire.
public actor TicketVerifier {
    /// Why a ticket is refused; the code is sent to the peer.
    public enum Refusal: Error, Equatable, Sendable {
        case malformed
        case badSignature
        case expired
        case wrongRelay
        case replayed

        public var code: String {
            switch self {
            case .malformed: "ticket_malformed"
            case .badSignature: "ticket_forged"
            case .expired: "ticket_expired"
            case .wrongRelay: "ticket_wrong_relay"
            case .replayed: "ticket_replayed"
            }
        }
    }

    private let keys: JWTKeyCollection
    private let relayID: String
    private var used: [String: Date] = [:]
    private var lastPrune = Date.distantPast

    public init(serverKey: Curve25519.Signing.PublicKey, relayID: String) async {
        self.relayID = relayID
        keys = await JWTKeyCollection().add(eddsa: EdDSA.PublicKey(backing: serverKey))
    }

    /// Verifies `text` and marks it used; throws a ``Refusal``.
    public func admit(_ text: String, now: Date = Date()) async throws -> SessionTicket {
        guard text.utf8.count <= 4096, text.split(separator: ".").count == 3 else {
            throw Refusal.malformed
        }
        let ticket: SessionTicket
        do {
            ticket = try await keys.verify(text, as: SessionTicket.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw Refusal.expired
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw Refusal.badSignature
        } catch {
            throw Refusal.malformed
        }
        guard ticket.relay == relayID else { throw Refusal.wrongRelay }
        // Forget expired ids now and then, not on every ticket: the table holds one entry
        // per session set-up of the last minute and a half.
        if now.timeIntervalSince(lastPrune) > 10 {
            used = used.filter { $0.value > now }
            lastPrune = now
        }
        guard used[ticket.ticketID] == nil else { throw Refusal.replayed }
        used[ticket.ticketID] = ticket.expiresAt.addingTimeInterval(60)
        return ticket
    }
}
