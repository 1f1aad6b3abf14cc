import Foundation

/// The connection log as CSV (RFC 4180), for auditors and spreadsheets.
enum ConnectionLogCSV {
    static let header = [
        "seq", "session_id", "operator", "device", "channel", "relay", "requested_at", "started_at",
        "ended_at", "bytes_from_operator", "bytes_from_agent", "operator_address", "agent_address",
        "end_reason", "hash", "channels",
    ]

    static func render(_ records: [ConnectionRecord]) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var lines = [header.joined(separator: ",")]
        for r in records {
            let fields: [String] = [
                String(r.seq), r.sessionID.uuidString, r.operatorLogin, r.deviceName,
                r.channel.rawValue,
                r.relayID, iso.string(from: r.requestedAt), r.startedAt.map(iso.string) ?? "",
                iso.string(from: r.endedAt), String(r.bytesFromOperator), String(r.bytesFromAgent),
                r.operatorAddress ?? "", r.agentAddress ?? "", r.endReason, r.hash,
                channelsCell(r),
            ]
            lines.append(fields.map(escape).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `desktop 1200/48000000; files 1073741824/5000`: each channel with its bytes from the
    /// operator / from the agent, in the order they were opened.
    static func channelsCell(_ record: ConnectionRecord) -> String {
        ChannelUsage.list(in: record).map {
            "\($0.channel.rawValue) \($0.bytesFromOperator)/\($0.bytesFromAgent)"
        }.joined(separator: "; ")
    }

    /// Quotes when needed, and defuses spreadsheet formulas (a cell starting with `=`, `+`,
    /// `-` or `@` would run in Excel).
    static func escape(_ field: String) -> String {
        var value = field
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
