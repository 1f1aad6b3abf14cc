import Fluent
import Foundation
import SQLKit
import Testing
import TsunaguCore
import Vapor
import VaporTesting

@testable import ControlPlane

/// Sessions that hold several channels: one authorisation, a ticket per channel, one log
/// record listing each channel's bytes; the end and its record saved together.
@Suite struct SessionChannelsTests {
    struct Created: Codable {
        var sessionId: UUID
        var channelId: UUID
        var channel: SessionChannel
        var relayUrl: String
        var ticket: String
    }

    func openChannel(_ s: SessionTests.Setup, _ id: UUID, _ channel: String, token: String? = nil)
        async throws -> TestingHTTPResponse
    {
        try await SessionTests().keepRelayAlive(s)
        return try await s.cp.send(
            .POST, "/api/v1/sessions/\(id)/channels", token: token ?? s.admin.token,
            json: try JSONEncoder().encode(["channel": channel]))
    }

    func offer(_ s: SessionTests.Setup) async throws -> ControlMessage.Offer {
        guard case .offer(let offer) = try await s.agent.next() else {
            throw TestSetupError("the agent got no offer")
        }
        return offer
    }

    func progress(_ s: SessionTests.Setup, _ entries: [RelaySessionProgress]) async throws {
        _ = try await SessionTests().report(
            s.cp, s.relayKey,
            .init(
                sessions: entries.count, waiting: 0, bytesPerSecond: 0, cpu: 0,
                activeSessions: Array(Set(entries.map(\.session))), progress: entries))
    }

    func ended(_ s: SessionTests.Setup, _ end: RelaySessionEnd) async throws {
        _ = try await SessionTests().report(
            s.cp, s.relayKey,
            .init(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0, ended: [end]))
    }

    func end(
        _ offer: ControlMessage.Offer, fromOperator: Int64, fromAgent: Int64,
        reason: SessionEndReason
    ) -> RelaySessionEnd {
        RelaySessionEnd(
            session: offer.session, channel: offer.channel, channelID: offer.channelID,
            pairedAt: Date().addingTimeInterval(-3), endedAt: Date(),
            bytesFromOperator: fromOperator, bytesFromAgent: fromAgent,
            operatorAddress: "198.51.100.7", agentAddress: "203.0.113.9", reason: reason)
    }

    @Test(arguments: TestDatabase.available)
    func anAgentThatStopsEndsItsSessionAsAgentStopped(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let created = try await SessionTests().request(s).content.decode(Created.self)
            let desktop = try await offer(s)
            try await s.agent.send(
                .offerAnswer(
                    .init(session: desktop.session, channelID: desktop.channelID, accepted: true)))
            try await progress(
                s,
                [
                    .init(
                        session: desktop.session, channelID: desktop.channelID,
                        bytesFromOperator: 5, bytesFromAgent: 700)
                ])
            // Another device's session is not this agent's to end: it is answered (the agent
            // has nothing of it to close) and left alone.
            let stranger = UUID().uuidString
            try await s.agent.send(.endSession(.init(session: stranger, reason: .agentStopped)))
            // The agent stops: the server keeps its reason and answers, so that the agent closes
            // its connections only after the reason is saved.
            try await s.agent.send(
                .endSession(.init(session: desktop.session, reason: .agentStopped)))
            var answers: [ControlMessage] = []
            while answers.count < 2, let message = try await s.agent.next() {
                if message != .heartbeat(.init()) { answers.append(message) }
            }
            #expect(
                answers == [
                    .endSession(.init(session: stranger)),
                    .endSession(.init(session: desktop.session)),
                ])
            // The relay then sees only the agent's end close.
            try await ended(s, end(desktop, fromOperator: 9, fromAgent: 900, reason: .agentClosed))
            let row = try #require(try await RemoteSession.find(created.sessionId, on: s.cp.app.db))
            #expect(row.status == .ended)
            #expect(row.endReason == .agentStopped)
            #expect(row.bytesFromAgent == 900)
            let record = try #require(
                try await ConnectionRecord.query(on: s.cp.app.db).sort(\.$seq, .descending).first())
            #expect(record.endReason == SessionEndReason.agentStopped.rawValue)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSecondChannelNeedsNoPasswordAndTheLogListsBoth(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let res = try await SessionTests().request(s)
            #expect(res.status == .created, "\(res.body.string)")
            let desktop = try res.content.decode(Created.self)
            #expect(desktop.channel == .desktop)
            let desktopOffer = try await offer(s)
            #expect(desktopOffer.channelID == desktop.channelId.uuidString)

            // Before the first channel met at the relay, no channel may be added.
            let early = try await openChannel(s, desktop.sessionId, "files")
            #expect(early.status == .conflict && early.errorCode == "session_not_started")

            try await s.agent.send(
                .offerAnswer(
                    .init(
                        session: desktopOffer.session, channelID: desktopOffer.channelID,
                        accepted: true)))
            try await progress(
                s,
                [
                    .init(
                        session: desktopOffer.session, channelID: desktopOffer.channelID,
                        bytesFromOperator: 10, bytesFromAgent: 2000)
                ])
            let added = try await openChannel(s, desktop.sessionId, "files")
            #expect(added.status == .created, "\(added.body.string)")
            let files = try added.content.decode(Created.self)
            #expect(files.sessionId == desktop.sessionId && files.channel == .files)
            #expect(files.channelId != desktop.channelId)
            let filesOffer = try await offer(s)
            #expect(
                filesOffer.channel == .files && filesOffer.channelID == files.channelId.uuidString)

            // Both tickets of the new channel name the same session and connection.
            let serverKey = try #require(
                SigningKeyText.parse(
                    try await SessionTests().report(
                        s.cp, s.relayKey, .init(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0)
                    ).serverKey))
            let verifier = await TicketVerifier(serverKey: serverKey, relayID: "relay-1")
            let operatorTicket = try await verifier.admit(files.ticket)
            let agentTicket = try await verifier.admit(filesOffer.ticket)
            #expect(operatorTicket.connectionKey == agentTicket.connectionKey)
            #expect(operatorTicket.connectionKey == files.channelId.uuidString)
            #expect(
                operatorTicket.channel == .files && operatorTicket.session == agentTicket.session)

            // Unknown channels are refused with the list.
            let odd = try await openChannel(s, desktop.sessionId, "teleport")
            #expect(
                odd.status == .badRequest || odd.status == .unprocessableEntity,
                "\(odd.body.string)")

            // The files channel closes; the session goes on.
            try await ended(
                s, end(filesOffer, fromOperator: 1 << 30, fromAgent: 4096, reason: .operatorClosed))
            let session = try #require(
                try await RemoteSession.find(desktop.sessionId, on: s.cp.app.db))
            #expect(session.status == .active)
            #expect(try await ConnectionRecord.query(on: s.cp.app.db).count() == 0)

            // The desktop closes: the session ends with one record listing both.
            try await ended(
                s, end(desktopOffer, fromOperator: 500, fromAgent: 90_000, reason: .agentClosed))
            let records = try await ConnectionRecord.query(on: s.cp.app.db).all()
            #expect(records.count == 1)
            let record = try #require(records.first)
            #expect(record.endReason == "agent_closed")
            #expect(record.bytesFromOperator == (1 << 30) + 500)
            #expect(record.bytesFromAgent == 4096 + 90_000)
            let usages = ChannelUsage.list(in: record)
            #expect(usages.map(\.channel) == [.desktop, .files])
            #expect(usages.map(\.bytesFromOperator) == [500, 1 << 30])
            #expect(usages.map(\.endReason) == [.agentClosed, .operatorClosed])
            #expect(
                try await ConnectionLog(database: s.cp.app.db).verify().allSatisfy(
                    \.problems.isEmpty))

            // The API shows the channels too, in the session and in the log.
            let shown = try await s.cp.send(
                .GET, "/api/v1/sessions/\(desktop.sessionId)", token: s.admin.token)
            #expect(shown.body.string.contains("\"channels\""))
            let log = try await s.cp.send(
                .GET, "/api/v1/connection-log?format=csv", token: s.admin.token)
            #expect(
                log.body.string.contains("desktop 500/90000; files 1073741824/4096"),
                "\(log.body.string)")

            // An ended session takes no more channels.
            let late = try await openChannel(s, desktop.sessionId, "terminal")
            #expect(late.status == .conflict && late.errorCode == "session_ended")
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyTheSessionsOperatorAddsChannels(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let desktop = try await SessionTests().request(s).content.decode(Created.self)
            let desktopOffer = try await offer(s)
            try await progress(
                s,
                [
                    .init(
                        session: desktopOffer.session, channelID: desktopOffer.channelID,
                        bytesFromOperator: 0, bytesFromAgent: 0)
                ])
            try await AbuseResistanceTests().addOperator(s.cp, "second")
            let other = try await s.cp.login("ACME", "second", "second-password")
            let res = try await openChannel(s, desktop.sessionId, "files", token: other.token)
            #expect(res.status == .notFound && res.errorCode == "session_not_found")
            let nobody = try await openChannel(s, UUID(), "files")
            #expect(nobody.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRefusedSecondChannelEndsOnlyThatChannel(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let desktop = try await SessionTests().request(s).content.decode(Created.self)
            let desktopOffer = try await offer(s)
            try await progress(
                s,
                [
                    .init(
                        session: desktopOffer.session, channelID: desktopOffer.channelID,
                        bytesFromOperator: 0, bytesFromAgent: 0)
                ])
            #expect(try await openChannel(s, desktop.sessionId, "terminal").status == .created)
            let terminalOffer = try await offer(s)
            try await s.agent.send(
                .offerAnswer(
                    .init(
                        session: terminalOffer.session, channelID: terminalOffer.channelID,
                        accepted: false, reason: .channelDisabled)))
            let channels = try await s.cp.app.db.query(ChannelConnection.self).all()
            let terminal = try await waitFor(s) {
                try await ChannelConnection.find(
                    UUID(uuidString: terminalOffer.channelID!), on: s.cp.app.db)
            } until: {
                $0?.status == .ended
            }
            #expect(terminal?.endReason == .channelDisabled)
            #expect(channels.count == 2)
            #expect(
                try await RemoteSession.find(desktop.sessionId, on: s.cp.app.db)?.status == .active)
        }
    }

    /// The database refuses the log record (a trigger standing for a full disk): the session's
    /// end rolls back with it, and the next report closes it with its record.
    /// Every report and end looks a session's channels up by session: that column is indexed.
    @Test(arguments: TestDatabase.available)
    func channelsAreIndexedBySession(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let sql = try #require(s.cp.app.db as? any SQLDatabase)
            let query: SQLQueryString =
                switch kind {
                case .sqlite:
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'session_channels'"
                case .postgres:
                    "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'session_channels'"
                }
            let names = try await sql.raw(query).all().map {
                try $0.decode(column: "name", as: String.self)
            }
            #expect(names.contains("session_channels_session_id"), "indexes: \(names)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFailedAppendRollsTheEndBack(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let desktop = try await SessionTests().request(s).content.decode(Created.self)
            let desktopOffer = try await offer(s)
            let sql = try #require(s.cp.app.db as? any SQLDatabase)
            switch kind {
            case .sqlite:
                try await sql.raw(
                    "CREATE TRIGGER refuse_log BEFORE INSERT ON connection_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                ).run()
            case .postgres:
                try await sql.raw(
                    "CREATE FUNCTION refuse_log() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
                ).run()
                try await sql.raw(
                    "CREATE TRIGGER refuse_log BEFORE INSERT ON connection_log FOR EACH ROW EXECUTE FUNCTION refuse_log()"
                ).run()
            }
            let end = end(desktopOffer, fromOperator: 7, fromAgent: 70, reason: .operatorClosed)
            let broker = SessionBroker(database: s.cp.app.db, context: s.cp.context)
            await #expect(throws: (any Error).self) {
                try await broker.relayEnded(end, relayID: "relay-1")
            }
            let open = try #require(
                try await RemoteSession.find(desktop.sessionId, on: s.cp.app.db))
            #expect(open.status != .ended && open.endedAt == nil)
            let channel = try #require(
                try await ChannelConnection.find(desktop.channelId, on: s.cp.app.db))
            #expect(channel.status != .ended, "the channel's end rolled back with the session's")
            #expect(try await ConnectionRecord.query(on: s.cp.app.db).count() == 0)

            try await sql.raw(
                "DROP TRIGGER refuse_log\(kind == .postgres ? " ON connection_log" : "")"
            ).run()
            try await broker.relayEnded(end, relayID: "relay-1")
            let closed = try #require(
                try await RemoteSession.find(desktop.sessionId, on: s.cp.app.db))
            #expect(closed.status == .ended && closed.endReason == .operatorClosed)
            let record = try #require(try await ConnectionRecord.query(on: s.cp.app.db).first())
            #expect(record.bytesFromAgent == 70 && ChannelUsage.list(in: record).count == 1)
        }
    }

    /// Polls `value` until `done` holds (at most 10 s).
    func waitFor<T>(
        _ s: SessionTests.Setup, _ value: () async throws -> T, until done: (T) -> Bool
    ) async throws -> T {
        let deadline = Date().addingTimeInterval(10)
        var current = try await value()
        while !done(current), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            current = try await value()
        }
        return current
    }
}
