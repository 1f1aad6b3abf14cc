import Foundation
import TsunaguCore

/// One channel connection of a session as its connection-log record lists it.
public struct ChannelUsage: Codable, Sendable, Equatable {
    public var channel: SessionChannel
    public var channelId: UUID
    public var startedAt: Date?
    public var endedAt: Date?
    public var bytesFromOperator: Int64
    public var bytesFromAgent: Int64
    public var endReason: SessionEndReason?

    init(_ connection: ChannelConnection) throws {
        channel = connection.channel
        channelId = try connection.requireID()
        startedAt = connection.startedAt.map(ConnectionLog.millisecondPrecision)
        endedAt = connection.endedAt.map(ConnectionLog.millisecondPrecision)
        bytesFromOperator = connection.bytesFromOperator
        bytesFromAgent = connection.bytesFromAgent
        endReason = connection.endReason
    }

    /// The list as the record stores and hashes it: keys sorted, dates in milliseconds, so
    /// the same list always gives the same text.
    static func text(of usages: [ChannelUsage]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(usages), as: UTF8.self)
    }

    /// The list a record holds; empty for records from before channels.
    static func list(in record: ConnectionRecord) -> [ChannelUsage] {
        guard let text = record.channels, !text.isEmpty else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return (try? decoder.decode([ChannelUsage].self, from: Data(text.utf8))) ?? []
    }
}
