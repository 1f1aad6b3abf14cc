import Fluent
import Foundation
import Relay
import ServiceLifecycle
import Synchronization
import TsunaguCore
import Vapor

/// Feeds the embedded relay's ends and load to the control plane in-process: every ended
/// channel at once, load every 5 s (what an external relay sends over HTTP). On graceful
/// shutdown it ends the relay's channels and records their ends before it returns.
final class EmbeddedRelayReporter: ControlPlaneJob, Sendable {
    let embedded: EmbeddedRelay
    /// Where agents and browsers reach it.
    let url: String
    let context: ControlPlaneContext
    let database: any Database
    let logger: Logger
    /// Ends the database refused (it was down, or the disk full): tried again with every
    /// load report, so that no session's end and record are lost.
    private let unrecorded = Mutex<[RelaySessionEnd]>([])

    init(
        embedded: EmbeddedRelay, url: String, context: ControlPlaneContext,
        database: any Database, logger: Logger
    ) {
        self.embedded = embedded
        self.url = url
        self.context = context
        self.database = database
        self.logger = logger
    }

    var stopsBeforeTheHTTPServer: Bool { true }

    /// Before requests are served: closes what the previous run left open on this relay
    /// (`server_restart`) and lists the relay at `url`.
    func prepare() async throws {
        let recovered = try await SessionBroker(database: database, context: context)
            .recoverEmbeddedSessions()
        if recovered > 0 {
            logger.notice(
                "closed \(recovered) sessions left open by the previous run (server_restart)")
        }
        try await RelayDirectory(database: database).registerEmbedded(
            id: embedded.relay.configuration.relayID, url: url)
    }

    func run() async throws {
        let (relay, context, db, logger) = (embedded.relay, context, database, logger)
        let relayID = relay.configuration.relayID
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
        try? await cancelWhenGracefulShutdown {
            var meter = RelayLoadSample(stats: relay.stats, at: .now)
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(5))
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
        // The relay's channels end (relay_shutdown) and their ends are recorded while the
        // database is still open.
        await relay.shutdown()
        await ends.value
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
