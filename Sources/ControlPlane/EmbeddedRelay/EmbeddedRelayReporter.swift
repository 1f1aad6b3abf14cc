import Fluent
import Foundation
import Relay
import Synchronization
import TsunaguCore
import Vapor

/// Feeds the embedded relay's ends and load to the control plane in-process: every ended
/// channel at once, load every 5 s (what an external relay sends over HTTP).
final class EmbeddedRelayReporter: LifecycleHandler, Sendable {
    let embedded: EmbeddedRelay
    let context: ControlPlaneContext
    let url: String
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// Ends the database refused (it was down, or the disk full): tried again with every
    /// load report, so that no session's end and record are lost.
    private let unrecorded = Mutex<[RelaySessionEnd]>([])

    init(embedded: EmbeddedRelay, context: ControlPlaneContext, url: String) {
        self.embedded = embedded
        self.context = context
        self.url = url
    }

    func didBootAsync(_ application: Application) async throws {
        let (relay, context, db, logger) = (
            embedded.relay, context, application.db, application.logger
        )
        let relayID = relay.configuration.relayID
        let recovered = try await SessionBroker(database: db, context: context)
            .recoverEmbeddedSessions()
        if recovered > 0 {
            logger.notice(
                "closed \(recovered) sessions left open by the previous run (server_restart)")
        }
        try await RelayDirectory(database: db).registerEmbedded(id: relayID, url: url)
        let ends = Task {
            for await end in relay.events {
                do {
                    try await RelayReportController.apply(
                        RelayReport(
                            sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0, ended: [end]),
                        from: relayID, database: db, context: context, loadIncluded: false)
                } catch {
                    self.unrecorded.withLock { $0.append(end) }
                    logger.error(
                        "embedded relay: could not record an ended session (will retry): \(String(reflecting: error))"
                    )
                }
            }
        }
        let load = Task {
            var meter = RelayLoadSample(stats: relay.stats, at: .now)
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                let next = RelayLoadSample(stats: relay.stats, at: .now)
                var report = RelayReport(
                    sessions: next.stats.sessions, waiting: next.stats.waiting,
                    bytesPerSecond: next.bytesPerSecond(since: meter), cpu: next.cpu(since: meter),
                    activeSessions: relay.activeSessions, progress: relay.activeSessionProgress)
                meter = next
                report.ended = self.unrecorded.withLock { pending in
                    defer { pending = [] }
                    return pending
                }
                do {
                    try await RelayReportController.apply(
                        report, from: relayID, database: db, context: context)
                } catch {
                    self.unrecorded.withLock { $0.insert(contentsOf: report.ended, at: 0) }
                    logger.warning(
                        "embedded relay: load report failed: \(String(reflecting: error))")
                }
            }
        }
        tasks.withLock { $0 = [ends, load] }
    }

    func shutdownAsync(_ application: Application) async {
        await embedded.relay.shutdown()
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }
}

/// Two readings of the relay's counters make a rate.
private struct RelayLoadSample {
    let stats: RelayStats
    let at: ContinuousClock.Instant

    func bytesPerSecond(since earlier: RelayLoadSample) -> Double {
        let seconds = (at - earlier.at) / .seconds(1)
        guard seconds > 0 else { return 0 }
        return Double(max(0, stats.bytes - earlier.stats.bytes)) / seconds
    }

    func cpu(since earlier: RelayLoadSample) -> Double {
        let seconds = (at - earlier.at) / .seconds(1)
        guard seconds > 0 else { return 0 }
        return max(0, stats.cpuSeconds - earlier.stats.cpuSeconds) / seconds
    }
}
