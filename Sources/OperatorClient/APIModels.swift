import Foundation
import TsunaguCore

/// The operator as `POST /api/v1/auth/login` shows it.
public struct OperatorInfo: Codable, Sendable, Equatable {
    public var id: UUID
    public var login: String
    public var role: String
    public var active: Bool
    public var company: String
}

/// `POST /api/v1/auth/login`'s answer.
public struct LoginResult: Codable, Sendable, Equatable {
    public var token: String
    public var csrfToken: String?
    public var expiresAt: Date
    public var `operator`: OperatorInfo
}

/// One device of `GET /api/v1/devices`.
public struct DeviceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var online: Bool
    /// `attended` or `unattended`.
    public var mode: String
    public var os: String?
    public var hostname: String?
    public var lastSeenAt: Date?

    /// A device with the given facts.
    public init(
        name: String, online: Bool, mode: String, os: String? = nil, hostname: String? = nil,
        lastSeenAt: Date? = nil
    ) {
        self.name = name
        self.online = online
        self.mode = mode
        self.os = os
        self.hostname = hostname
        self.lastSeenAt = lastSeenAt
    }
}

/// `POST /api/v1/sessions`'s answer: go to `relayUrl` and show `ticket` first.
public struct CreatedSession: Codable, Sendable, Equatable {
    public var sessionId: UUID
    /// The channel connection the ticket opens.
    public var channelId: UUID?
    public var channel: SessionChannel?
    public var relayUrl: String
    public var ticket: String
    public var expiresAt: Date
    /// The customer must accept first.
    public var attended: Bool
}

/// A session's state (`GET` and `DELETE /api/v1/sessions/{id}`).
public struct SessionState: Codable, Sendable, Equatable {
    public var sessionId: UUID
    public var device: String
    public var `operator`: String
    public var channel: SessionChannel
    public var relay: String
    /// `offered`, `active`, `ending` or `ended`.
    public var status: String
    public var requestedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    /// Why it ended: `declined`, `no_answer`, `ended_by_operator`, `relay_lost`, …
    public var endReason: SessionEndReason?
    /// Its channel connections (absent from servers before channels).
    public var channels: [ChannelState]?

    /// One channel connection of a session.
    public struct ChannelState: Codable, Sendable, Equatable {
        public var channelId: UUID
        public var channel: SessionChannel
        /// `offered`, `active` or `ended`.
        public var status: String
        public var endReason: SessionEndReason?
        public var bytesFromOperator: Int64
        public var bytesFromAgent: Int64
    }
}

/// One connection-log record (`GET /api/v1/connection-log?format=json`).
public struct ConnectionRecord: Codable, Sendable, Equatable {
    public var seq: Int64
    public var sessionId: UUID
    public var `operator`: String
    public var device: String
    public var channel: SessionChannel
    public var relay: String
    public var requestedAt: Date
    public var startedAt: Date?
    public var endedAt: Date
    public var bytesFromOperator: Int64
    public var bytesFromAgent: Int64
    public var operatorAddress: String?
    public var agentAddress: String?
    public var endReason: String
    /// Each channel with its bytes (absent or empty for records from before channels).
    public var channels: [ChannelUsage]?
    public var hash: String

    /// One channel of the session with what it carried.
    public struct ChannelUsage: Codable, Sendable, Equatable {
        public var channel: SessionChannel
        public var channelId: UUID
        public var bytesFromOperator: Int64
        public var bytesFromAgent: Int64
        public var endReason: SessionEndReason?
    }
}

/// The JSON coding the API uses: ISO 8601 times, with or without fractions of a second.
public enum APIJSON {
    /// A decoder for the API's answers.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "not an ISO 8601 time: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// An encoder for requests and for `--json` output.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys]
        return encoder
    }

    /// Parses `2026-11-28T06:14:00Z` or `2026-11-28T06:14:00.123Z`.
    public static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
