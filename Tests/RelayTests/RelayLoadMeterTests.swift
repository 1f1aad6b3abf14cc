import NIOCore
import Relay
import Testing
import TsunaguCore

@Suite("RelayLoadMeter")
struct RelayLoadMeterTests {
    /// A standalone relay's report names its open sessions with their bytes: without them the
    /// server closed every session older than its start deadline as `not_started`.
    @Test func reportsCarryOpenSessions() {
        var meter = RelayLoadMeter()
        let stats = RelayStats(sessions: 1, waiting: 0, bytesFromOperator: 10, bytesFromAgent: 20)
        let open = [RelaySessionProgress(session: "s-1", bytesFromOperator: 10, bytesFromAgent: 20)]
        let first = meter.report(stats, open: open, now: .uptimeNanoseconds(1_000_000_000))
        let second = meter.report(stats, open: open, now: .uptimeNanoseconds(6_000_000_000))
        for report in [first, second] {
            #expect(report.activeSessions == ["s-1"])
            #expect(report.progress == open)
        }
    }
}
