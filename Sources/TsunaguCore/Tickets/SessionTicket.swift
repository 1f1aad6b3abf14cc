import Foundation
import JWTKit

/// A single-use permission to join one end of one session channel at one relay, signed by
/// the control plane's Ed25519 key (a JWT with `alg: EdDSA`). The relay checks the
/// signature with the server's public key, the expiry, its own relay id, the role, and that
/// the ticket id was not used before.
public struct SessionTicket: JWTPayload, Equatable {
    /// Which end of the channel the holder is.
    public enum Role: String, Codable, Sendable, CaseIterable {
        case `operator`, agent

        /// The other end.
        public var peer: Role { self == .operator ? .agent : .operator }
    }

    /// The session id.
    public var sub: SubjectClaim
    /// The ticket id, for single use.
    public var jti: IDClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var channel: SessionChannel
    /// Which connection of the session this is (a channel can be opened again, e.g. a
    /// terminal reattached, or several file copies at once); nil for the session's first.
    public var channelID: String?
    public var role: Role
    /// The relay that must accept it.
    public var relay: String

    public init(
        session: String, ticketID: String = UUID().uuidString, channel: SessionChannel,
        channelID: String? = nil, role: Role, relay: String, issuedAt: Date = Date(),
        lifetime: TimeInterval = 30
    ) {
        self.sub = SubjectClaim(value: session)
        self.jti = IDClaim(value: ticketID)
        self.iat = IssuedAtClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime))
        self.channel = channel
        self.channelID = channelID
        self.role = role
        self.relay = relay
    }

    public var session: String { sub.value }
    public var ticketID: String { jti.value }
    public var expiresAt: Date { exp.value }
    /// What the relay pairs the two ends by, within the session.
    public var connectionKey: String { channelID ?? channel.rawValue }

    /// Called by JWTKit after the signature checked out.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }

    private enum CodingKeys: String, CodingKey {
        case sub, jti, iat, exp
        case channel = "ch"
        case channelID = "cid"
        case role
        case relay = "rid"
    }
}
