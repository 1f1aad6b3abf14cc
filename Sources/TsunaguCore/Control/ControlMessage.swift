import Foundation

/// One message on the agent's control connection (`/api/v1/agent/ws`), sent as a JSON text
/// frame `{"type": "...", ...fields}`.
///
/// The handshake: the agent says `hello` with a fresh nonce; the server answers `challenge`
/// with its identity key, its own nonce and a signature over both nonces (so the agent can
/// check the server against its pin before revealing anything more); the agent answers
/// `proof`, a signature by its device key; the server replies `welcome` or `refused`. Then
/// `heartbeat`s flow both ways.
public enum ControlMessage: Sendable, Equatable {
    case hello(Hello)
    case challenge(Challenge)
    case proof(Proof)
    case welcome(Welcome)
    case refused(Refusal)
    case heartbeat(Heartbeat)
    case offer(Offer)
    case offerAnswer(OfferAnswer)
    case endSession(EndSession)
    case fileTransferred(FileTransferRecord)
    case fileTransferRecorded(FileTransferRecorded)

    /// The server asks the agent to join a session's channel: dial `relayURL` with `ticket`.
    /// The first channel of a session needs the customer's consent (attended mode); later
    /// channels of a session the agent already accepted do not.
    public struct Offer: Codable, Sendable, Equatable {
        public var session: String
        public var channel: SessionChannel
        /// The channel's connection id (``SessionTicket/channelID``).
        public var channelID: String?
        /// `wss://…/relay/v1` (WebSocket) of the chosen relay.
        public var relayURL: String
        /// The agent's single-use ticket.
        public var ticket: String
        /// Who asks, for the customer's consent prompt.
        public var operatorLogin: String
        public var company: String
        /// Whether the customer must accept first (the device is in attended mode).
        public var attended: Bool

        public init(
            session: String, channel: SessionChannel, channelID: String? = nil,
            relayURL: String, ticket: String, operatorLogin: String, company: String,
            attended: Bool
        ) {
            self.session = session
            self.channel = channel
            self.channelID = channelID
            self.relayURL = relayURL
            self.ticket = ticket
            self.operatorLogin = operatorLogin
            self.company = company
            self.attended = attended
        }
    }

    /// The agent's answer to an offer: accepted (and dialling the relay) or not, and why.
    public struct OfferAnswer: Codable, Sendable, Equatable {
        public var session: String
        /// Which channel connection of the session the answer is for.
        public var channelID: String?
        public var accepted: Bool
        /// Why not: `declined` (the customer said no), `no_answer` (silence),
        /// `unsupported_channel`, `channel_disabled`, `channel_unavailable`.
        public var reason: SessionEndReason?

        public init(
            session: String, channelID: String? = nil, accepted: Bool,
            reason: SessionEndReason? = nil
        ) {
            self.session = session
            self.channelID = channelID
            self.accepted = accepted
            self.reason = reason
        }
    }

    /// A session ended. From the server: the agent closes its side (no reason). From the
    /// agent: it is ending the session and says why (`agent_stopped` on SIGTERM,
    /// `ended_by_customer` from the customer's window), just before closing its connections.
    public struct EndSession: Codable, Sendable, Equatable {
        public var session: String
        public var reason: SessionEndReason?

        public init(session: String, reason: SessionEndReason? = nil) {
            self.session = session
            self.reason = reason
        }
    }

    /// The agent introduces itself. `enrollToken` and `connectionPassword` are sent only on
    /// first contact (or to re-enroll); the password travels inside the TLS connection and
    /// the server keeps only its slow hash.
    public struct Hello: Codable, Sendable, Equatable {
        public var company: String
        public var name: String
        public var deviceKey: String
        public var clientNonce: String
        public var agentVersion: String
        public var os: OSFacts
        public var mode: String
        public var enrollToken: String?
        public var connectionPassword: String?
        /// A random id of this run of the agent process. Two machines cloned from one image
        /// share a device key but never a run, which is how the server tells a clone from the
        /// same agent reconnecting.
        public var runID: String?

        public init(
            company: String, name: String, deviceKey: String, clientNonce: String,
            agentVersion: String, os: OSFacts, mode: String, enrollToken: String? = nil,
            connectionPassword: String? = nil, runID: String? = nil
        ) {
            self.company = company
            self.name = name
            self.deviceKey = deviceKey
            self.clientNonce = clientNonce
            self.agentVersion = agentVersion
            self.os = os
            self.mode = mode
            self.enrollToken = enrollToken
            self.connectionPassword = connectionPassword
            self.runID = runID
        }
    }

    /// Facts about the customer's machine shown to operators.
    public struct OSFacts: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var hostname: String

        public init(name: String, version: String, hostname: String) {
            self.name = name
            self.version = version
            self.hostname = hostname
        }
    }

    /// The server proves its identity and asks the agent to prove its own.
    public struct Challenge: Codable, Sendable, Equatable {
        public var serverKey: String
        public var serverNonce: String
        /// Signature by the server key over ``ControlHandshakeBytes/server(clientNonce:serverNonce:)``.
        public var serverSignature: String

        public init(serverKey: String, serverNonce: String, serverSignature: String) {
            self.serverKey = serverKey
            self.serverNonce = serverNonce
            self.serverSignature = serverSignature
        }
    }

    /// The agent's signature by its device key over ``ControlHandshakeBytes/agent(...)``.
    public struct Proof: Codable, Sendable, Equatable {
        public var signature: String

        public init(signature: String) {
            self.signature = signature
        }
    }

    /// The device is known and online.
    public struct Welcome: Codable, Sendable, Equatable {
        public var company: String
        public var name: String
        /// Whether this contact enrolled the device.
        public var enrolled: Bool
        public var heartbeatSeconds: Int

        public init(company: String, name: String, enrolled: Bool, heartbeatSeconds: Int) {
            self.company = company
            self.name = name
            self.enrolled = enrolled
            self.heartbeatSeconds = heartbeatSeconds
        }
    }

    /// The server will not accept this agent; `code` is stable, `message` is for people.
    public struct Refusal: Codable, Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// "Still here"; carries nothing else yet.
    public struct Heartbeat: Codable, Sendable, Equatable {
        public init() {}
    }
}

extension ControlMessage: Codable {
    private enum CodingKeys: String, CodingKey {
        case type
    }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: CodingKeys.self).decode(
            String.self, forKey: .type)
        switch type {
        case "hello": self = .hello(try Hello(from: decoder))
        case "challenge": self = .challenge(try Challenge(from: decoder))
        case "proof": self = .proof(try Proof(from: decoder))
        case "welcome": self = .welcome(try Welcome(from: decoder))
        case "refused": self = .refused(try Refusal(from: decoder))
        case "heartbeat": self = .heartbeat(Heartbeat())
        case "offer": self = .offer(try Offer(from: decoder))
        case "offer_answer": self = .offerAnswer(try OfferAnswer(from: decoder))
        case "end_session": self = .endSession(try EndSession(from: decoder))
        case "file_transferred": self = .fileTransferred(try FileTransferRecord(from: decoder))
        case "file_transfer_recorded":
            self = .fileTransferRecorded(try FileTransferRecorded(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: try decoder.container(keyedBy: CodingKeys.self),
                debugDescription: "unknown control message type \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hello(let m):
            try container.encode("hello", forKey: .type)
            try m.encode(to: encoder)
        case .challenge(let m):
            try container.encode("challenge", forKey: .type)
            try m.encode(to: encoder)
        case .proof(let m):
            try container.encode("proof", forKey: .type)
            try m.encode(to: encoder)
        case .welcome(let m):
            try container.encode("welcome", forKey: .type)
            try m.encode(to: encoder)
        case .refused(let m):
            try container.encode("refused", forKey: .type)
            try m.encode(to: encoder)
        case .heartbeat:
            try container.encode("heartbeat", forKey: .type)
        case .offer(let m):
            try container.encode("offer", forKey: .type)
            try m.encode(to: encoder)
        case .offerAnswer(let m):
            try container.encode("offer_answer", forKey: .type)
            try m.encode(to: encoder)
        case .endSession(let m):
            try container.encode("end_session", forKey: .type)
            try m.encode(to: encoder)
        case .fileTransferred(let m):
            try container.encode("file_transferred", forKey: .type)
            try m.encode(to: encoder)
        case .fileTransferRecorded(let m):
            try container.encode("file_transfer_recorded", forKey: .type)
            try m.encode(to: encoder)
        }
    }

    /// The JSON text of this message.
    public func jsonText() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    /// Parses a JSON text frame; limits its size first so a hostile peer cannot make us
    /// parse megabytes.
    public static func parse(_ text: String, maxBytes: Int = 16 * 1024) throws -> ControlMessage {
        guard text.utf8.count <= maxBytes else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "control message over \(maxBytes) bytes"))
        }
        return try JSONDecoder().decode(ControlMessage.self, from: Data(text.utf8))
    }
}
