import Fluent
import Foundation
import TsunaguCore

/// What relays and agents report about sessions' channels.
extension SessionBroker {
    /// The relay reported a channel's end: close the channel with its counts and, when it was
    /// the session's last, the session with its log record.
    public func relayEnded(_ end: RelaySessionEnd, relayID: String) async throws {
        guard let session = try await openSession(end.session, relayID: relayID) else { return }
        guard
            let connection = try await connection(
                of: session, key: end.channelID, channel: end.channel)
        else { return }
        connection.startedAt = end.pairedAt ?? connection.startedAt
        connection.bytesFromOperator = max(connection.bytesFromOperator, end.bytesFromOperator)
        connection.bytesFromAgent = max(connection.bytesFromAgent, end.bytesFromAgent)
        connection.operatorAddress = end.operatorAddress ?? connection.operatorAddress
        connection.agentAddress = end.agentAddress ?? connection.agentAddress
        try await channelEnded(connection, of: session, reason: end.reason, at: end.endedAt)
    }

    /// Marks sessions the relay says have a paired channel as active.
    public func relayActive(_ sessions: [String], relayID: String) async throws {
        for id in sessions {
            guard let session = try await openSession(id, relayID: relayID) else { continue }
            var lifecycle = SessionLifecycle(session)
            guard lifecycle.handle(.channelPaired) == .changed else { continue }
            session.status = .active
            session.startedAt = session.startedAt ?? Date()
            try await session.save(on: database)
        }
    }

    /// Records the bytes open channels have carried so far, as the relay reports them, so that
    /// a session closed without its relay's final count (`server_restart`, `relay_lost`) keeps
    /// what flowed; a reported channel has met at the relay, so it is active.
    public func relayProgress(_ progress: [RelaySessionProgress], relayID: String) async throws {
        for entry in progress {
            guard let session = try await openSession(entry.session, relayID: relayID),
                let connection = try await connection(
                    of: session, key: entry.channelID, channel: nil)
            else { continue }
            if connection.status == .offered {
                connection.status = .active
                connection.startedAt = connection.startedAt ?? Date()
            }
            connection.bytesFromOperator = max(
                connection.bytesFromOperator, entry.bytesFromOperator)
            connection.bytesFromAgent = max(connection.bytesFromAgent, entry.bytesFromAgent)
            try await database.transaction { tx in
                try await connection.save(on: tx)
                try await session.absorb(try await channels(of: session, on: tx))
                try await session.save(on: tx)
            }
        }
    }

    /// Sessions the relay must close because someone ended them.
    public func endRequests(for relayID: String) async throws -> [String] {
        try await RemoteSession.query(on: database).filter(\.$relayID == relayID)
            .filter(\.$endRequested == true).filter(\.$status != .ended).all()
            .compactMap { $0.id?.uuidString }
    }

    /// The agent answered an offer; a refusal closes that channel with its reason (and the
    /// session, when it was the only one).
    func agentAnswered(_ answer: ControlMessage.OfferAnswer, deviceID: UUID) async throws {
        guard !answer.accepted, let id = UUID(uuidString: answer.session),
            let session = try await RemoteSession.query(on: database).filter(\.$id == id)
                .filter(\.$device.$id == deviceID).first(),
            session.status != .ended,
            let connection = try await connection(
                of: session, key: answer.channelID, channel: nil)
        else { return }
        // Nothing was paired (the agent never dialled): no counts to wait for.
        try await channelEnded(connection, of: session, reason: answer.reason ?? .declined)
        if session.status == .ended {
            await context.relayControl?.end(session: answer.session, relayID: session.relayID)
        }
    }

    /// The agent is ending one of its sessions (it stops, or the customer ended it): the end is
    /// asked for as an operator's would be, with the agent's reason, and the relay closes the
    /// connections and reports their counts. Another device's session is left alone.
    func agentEnded(_ end: ControlMessage.EndSession, deviceID: UUID) async throws {
        guard let id = UUID(uuidString: end.session),
            let session = try await RemoteSession.query(on: database).filter(\.$id == id)
                .filter(\.$device.$id == deviceID).first(),
            session.status != .ended
        else { return }
        var lifecycle = SessionLifecycle(session)
        let now = Date()
        if lifecycle.handle(.endRequested(at: now)) == .changed {
            session.endRequested = true
            session.endRequestedAt = now
        }
        session.endRequestReason = end.reason ?? .agentClosed
        try await session.save(on: database)
        await context.relayControl?.end(session: end.session, relayID: session.relayID)
    }

    /// Closes one channel connection and, when it was the session's last, the session with
    /// its log record: all in one transaction, so an end is never saved without its record.
    func channelEnded(
        _ connection: ChannelConnection, of session: RemoteSession, reason: SessionEndReason,
        at time: Date = Date()
    ) async throws {
        try await database.transaction { tx in
            connection.status = .ended
            connection.endedAt = time
            connection.endReason = reason
            try await connection.save(on: tx)
            let channels = try await channels(of: session, on: tx)
            try session.absorb(channels)
            var lifecycle = SessionLifecycle(session)
            let open = channels.filter { $0.status != .ended }.count
            switch lifecycle.handle(.channelEnded(reason, openChannels: open)) {
            case .finish(let sessionReason):
                try await close(
                    session, reason: sessionReason, at: time, channels: channels, on: tx)
            case .changed, .unchanged:
                try await session.save(on: tx)
            }
        }
    }

    /// The session `id` on `relayID` if it is still open.
    func openSession(_ id: String, relayID: String) async throws -> RemoteSession? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        return try await RemoteSession.query(on: database).filter(\.$id == uuid)
            .filter(\.$relayID == relayID).filter(\.$status != .ended).first()
    }

    /// The session's channel connection a relay or agent names by `key` (its id); without
    /// one (a peer from before channels), its oldest open connection of `channel`.
    func connection(of session: RemoteSession, key: String?, channel: SessionChannel?)
        async throws -> ChannelConnection?
    {
        let all = try await channels(of: session, on: database)
        if let key, let id = UUID(uuidString: key) {
            return all.first { $0.id == id }
        }
        return all.first { $0.status != .ended && (channel == nil || $0.channel == channel) }
    }

    func channels(of session: RemoteSession, on db: any Database) async throws
        -> [ChannelConnection]
    {
        try await ChannelConnection.query(on: db).filter(\.$session.$id == session.requireID())
            .sort(\.$requestedAt).all()
    }
}

extension RemoteSession {
    /// Takes its totals from its channels: bytes summed, the first start, the first addresses.
    func absorb(_ channels: [ChannelConnection]) throws {
        guard !channels.isEmpty else { return }
        bytesFromOperator = channels.reduce(0) { $0 + $1.bytesFromOperator }
        bytesFromAgent = channels.reduce(0) { $0 + $1.bytesFromAgent }
        startedAt = channels.compactMap(\.startedAt).min() ?? startedAt
        operatorAddress = operatorAddress ?? channels.lazy.compactMap(\.operatorAddress).first
        agentAddress = agentAddress ?? channels.lazy.compactMap(\.agentAddress).first
    }
}
