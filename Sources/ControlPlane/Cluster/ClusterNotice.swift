import Foundation

/// A message from one server instance to another over the shared PostgreSQL database's
/// `tsunagu_cluster` notification channel. Every instance hears every notice and acts only on
/// those addressed to it.
struct ClusterNotice: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        /// Pass `message` to the agent of `device` (the addressee holds its connection).
        case deliver
        /// The answer to `deliver`: the agent has it.
        case delivered
        /// The answer to `deliver`: the addressee does not hold that agent (any more).
        case undeliverable
        /// Close the control connection of `device` (it was removed).
        case disconnect
    }

    var kind: Kind
    /// The addressee's instance id.
    var to: String
    /// The sender's instance id, where answers go.
    var from: String
    /// Pairs an answer with its request.
    var id: UUID
    var device: UUID?
    /// The control message for the agent, as its JSON text.
    var message: String?

    /// PostgreSQL refuses notification payloads of 8000 bytes or more.
    static let maxPayload = 7999

    func payload() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    init(
        kind: Kind, to: String, from: String, id: UUID = UUID(), device: UUID? = nil,
        message: String? = nil
    ) {
        self.kind = kind
        self.to = to
        self.from = from
        self.id = id
        self.device = device
        self.message = message
    }

    /// The notice in `payload`, or nil for anything else on the channel.
    init?(payload: String) {
        guard let notice = try? JSONDecoder().decode(Self.self, from: Data(payload.utf8)) else {
            return nil
        }
        self = notice
    }
}
