import NIOCore
import TsunaguCore

/// Turns successive ``RelayStats`` into the rates a ``RelayReport`` carries: bytes per second
/// and CPU use over the time since the previous report.
public struct RelayLoadMeter: Sendable {
    private var last: (stats: RelayStats, at: NIODeadline)?

    /// A meter with no history; its first report covers nothing and shows zero rates.
    public init() {}

    /// The report for `stats` taken now, with `ended` channels and the sessions open now
    /// (with their bytes so far) attached.
    public mutating func report(
        _ stats: RelayStats, ended: [RelaySessionEnd] = [], open: [RelaySessionProgress] = [],
        now: NIODeadline = .now()
    ) -> RelayReport {
        defer { last = (stats, now) }
        guard let last, now > last.at else {
            return RelayReport(
                sessions: stats.sessions, waiting: stats.waiting, bytesPerSecond: 0, cpu: 0,
                ended: ended, activeSessions: open.map(\.session), progress: open)
        }
        let seconds = Double((now - last.at).nanoseconds) / 1_000_000_000
        let bytes = Double(stats.bytes - last.stats.bytes)
        let cpu = (stats.cpuSeconds - last.stats.cpuSeconds) / seconds
        return RelayReport(
            sessions: stats.sessions, waiting: stats.waiting,
            bytesPerSecond: max(0, bytes / seconds), cpu: max(0, cpu), ended: ended,
            activeSessions: open.map(\.session), progress: open)
    }
}
