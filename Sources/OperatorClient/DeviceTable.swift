import Foundation

/// `tsunagu devices` as a plain-text table: name, online/offline, mode, OS, last seen.
public enum DeviceTable {
    /// The table for `devices`, with `now` for the "last seen" column.
    public static func render(_ devices: [DeviceInfo], now: Date = Date()) -> String {
        guard !devices.isEmpty else {
            return "No devices yet. / デバイスはまだありません。\n"
        }
        let header = ["NAME", "STATUS", "MODE", "OS", "LAST SEEN"]
        let rows = devices.map { device in
            [
                device.name, device.online ? "online" : "offline", device.mode, device.os ?? "-",
                device.online ? "now" : lastSeen(device.lastSeenAt, now: now),
            ]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return ([header] + rows).map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1
                    ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// "5m ago" within a day, else the UTC date and time; "never" for a device never seen.
    static func lastSeen(_ date: Date?, now: Date) -> String {
        guard let date else { return "never" }
        let seconds = Int(now.timeIntervalSince(date))
        switch seconds {
        case ..<60: return "\(max(seconds, 0))s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3600)h ago"
        default:
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm'Z'"
            return formatter.string(from: date)
        }
    }
}
