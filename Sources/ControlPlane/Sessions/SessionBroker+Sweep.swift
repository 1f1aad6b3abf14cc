import Fluent
import Foundation
import TsunaguCore

/// Closing sessions as time passes and at start-up.
extension SessionBroker {
    /// Ends sessions whose relay stopped reporting (`relay_lost`), channels that never started
    /// (`not_started`) and sessions someone ended whose relay never confirmed. Runs every few
    /// seconds.
    public func sweep(now: Date = Date()) async throws {
        let lost = try await RelayDirectory(database: database).unhealthyIDs(at: now)
        let open = try await RemoteSession.query(on: database).filter(\.$status != .ended).all()
        for session in open {
            if lost.contains(session.relayID) {
                try await finish(session, reason: .relayLost, at: now)
                continue
            }
            let stale = try await channels(of: session, on: database).filter {
                $0.status == .offered
                    && now.timeIntervalSince($0.requestedAt) > SessionLifecycle.startDeadline
            }
            for connection in stale where session.status != .ended {
                try await channelEnded(connection, of: session, reason: .notStarted, at: now)
            }
            guard session.status != .ended else { continue }
            var lifecycle = SessionLifecycle(session)
            if case .finish(let reason) = lifecycle.handle(.tick(now: now)) {
                try await finish(session, reason: reason, at: now)
            }
        }
    }

    /// At start-up: sessions on this instance's embedded relay that are still open died with
    /// the previous process (its relay's connections went with it). Closes them as
    /// `server_restart` so that every session requested has its log record, however the
    /// process ended.
    public func recoverEmbeddedSessions(at now: Date = Date()) async throws -> Int {
        let open = try await RemoteSession.query(on: database)
            .filter(\.$relayID == context.embeddedRelayID).filter(\.$status != .ended).all()
        for session in open { try await finish(session, reason: .serverRestart, at: now) }
        return open.count
    }

    /// Closes the session and every channel still open, and appends the log record, in one
    /// transaction.
    func finish(_ session: RemoteSession, reason: SessionEndReason, at time: Date = Date())
        async throws
    {
        try await database.transaction { tx in
            let channels = try await channels(of: session, on: tx)
            try await close(session, reason: reason, at: time, channels: channels, on: tx)
        }
    }

    /// Inside a transaction: the open channels end with the session, the session's row is
    /// closed and its record appended; if the append fails, all of it rolls back and the
    /// session stays open for the next report or sweep to close.
    func close(
        _ session: RemoteSession, reason: SessionEndReason, at time: Date,
        channels: [ChannelConnection], on tx: any Database
    ) async throws {
        // The agent said why it ended the session; the relay then only saw it close.
        let reason = session.endRequested ? (session.endRequestReason ?? reason) : reason
        for connection in channels where connection.status != .ended {
            connection.status = .ended
            connection.endedAt = time
            connection.endReason = reason
            try await connection.save(on: tx)
        }
        try session.absorb(channels)
        session.status = .ended
        session.endedAt = time
        session.endReason = reason
        try await session.save(on: tx)
        try await ConnectionLog(database: tx).append(session, channels: channels)
    }
}
