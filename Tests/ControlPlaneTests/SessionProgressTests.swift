import ControlPlane
import Fluent
import Foundation
import Testing
import TsunaguCore

/// Bytes are recorded as the relay reports them, so a session closed without its relay's
/// final count (the server crashed, the relay went silent) keeps what flowed.
@Suite("Session progress")
struct SessionProgressTests {
    @Test(arguments: TestDatabase.available)
    func bytesReportedWhileOpenSurviveALostRelay(_ kind: TestDatabase) async throws {
        let sessions = SessionTests()
        try await sessions.withSetup(kind) { s in
            let created = try await sessions.request(s)
            let id = try created.content.decode(SessionTests.CreatedID.self).sessionId
            let progress = RelaySessionProgress(
                session: id.uuidString, bytesFromOperator: 4_096, bytesFromAgent: 7_340_032)
            _ = try await sessions.report(
                s.cp, s.relayKey,
                .init(
                    sessions: 1, waiting: 0, bytesPerSecond: 0, cpu: 0,
                    activeSessions: [id.uuidString], progress: [progress]))
            let open = try #require(try await RemoteSession.find(id, on: s.cp.app.db))
            #expect(open.status == .active)
            #expect(open.bytesFromOperator == 4_096 && open.bytesFromAgent == 7_340_032)
            // An older, smaller count arriving late does not go backwards.
            _ = try await sessions.report(
                s.cp, s.relayKey,
                .init(
                    sessions: 1, waiting: 0, bytesPerSecond: 0, cpu: 0,
                    activeSessions: [id.uuidString],
                    progress: [
                        .init(session: id.uuidString, bytesFromOperator: 10, bytesFromAgent: 10)
                    ]))
            // The relay goes silent: the session ends as relay_lost with what it had carried.
            try await RelayNode.query(on: s.cp.app.db)
                .set(\.$lastReportAt, to: Date().addingTimeInterval(-20)).update()
            try await SessionBroker(database: s.cp.app.db, context: s.cp.context).sweep()
            let record = try #require(
                try await ConnectionRecord.query(on: s.cp.app.db).filter(\.$sessionID == id).first()
            )
            #expect(record.endReason == "relay_lost")
            #expect(record.bytesFromOperator == 4_096 && record.bytesFromAgent == 7_340_032)
        }
    }
}
