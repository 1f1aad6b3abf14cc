import ControlPlane
import Crypto
import Fluent
import Foundation
import Testing
import TsunaguCore
import Vapor
import VaporTesting

/// `POST /api/v1/sessions` and what follows, with a wire-level test agent and a relay that
/// reports through the real HTTP endpoint.
@Suite("Sessions")
struct SessionTests {
    struct Setup {
        let cp: TestControlPlane
        let port: Int
        let agent: TestAgentClient
        let admin: LoginAnswer
        let relayKey: String
    }

    /// ACME with an enrolled, online device `pc` (password `pc-password`) and one external
    /// relay `relay-1` that has reported.
    func withSetup(
        _ kind: TestDatabase, mode: String = "unattended",
        _ body: @escaping (Setup) async throws -> Void
    ) async throws {
        try await AgentControlTests().withServer(kind) { cp, port in
            let acme = try await cp.makeTenant("ACME")
            let token = try await EnrollmentTokenIssuer(database: cp.app.db).issue(
                tenant: acme, createdBy: "t"
            ).token
            let agent = try await TestAgentClient.connect(port: port, group: cp.app.eventLoopGroup)
            guard
                case .welcome = try await agent.handshake(
                    company: "ACME", name: "pc", enrollToken: token, password: "pc-password")
            else {
                throw TestSetupError("agent not admitted")
            }
            if mode == "attended" {
                try await Device.query(on: cp.app.db).set(\.$mode, to: .attended).update()
            }
            let relayKey = try await RelayDirectory(database: cp.app.db).createKey(
                relayID: "relay-1", url: "wss://relay-1.test/relay/v1")
            _ = try await report(
                cp, relayKey, RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0))
            let admin = try await cp.login("ACME")
            do {
                try await body(
                    Setup(cp: cp, port: port, agent: agent, admin: admin, relayKey: relayKey))
            } catch {
                await agent.close()
                throw error
            }
            await agent.close()
        }
    }

    func report(_ cp: TestControlPlane, _ key: String, _ report: RelayReport) async throws
        -> RelayReportAnswer
    {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = .init(token: key)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let res = try await cp.send(
            .POST, "/api/v1/relays/report", body: try encoder.encode(report), headers: headers)
        guard res.status == .ok else {
            throw TestSetupError("report: \(res.status) \(res.body.string)")
        }
        return try res.content.decode(RelayReportAnswer.self)
    }

    func request(
        _ s: Setup, device: String = "pc", password: String = "pc-password",
        relayReportsFirst: Bool = true
    ) async throws -> TestingHTTPResponse {
        // The test's relay reports as a live one does (every few seconds): on a machine the
        // whole suite loads, the set-up alone can outlast the 15 s health window.
        if relayReportsFirst { try await keepRelayAlive(s) }
        return try await s.cp.send(
            .POST, "/api/v1/sessions", token: s.admin.token,
            json: try JSONEncoder().encode([
                "device": device, "password": password, "channel": "desktop",
            ]))
    }

    /// A load report from the test's relay, idle, so that it counts as healthy now.
    func keepRelayAlive(_ s: Setup) async throws {
        _ = try await report(
            s.cp, s.relayKey, RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0))
    }

    @Test(arguments: TestDatabase.available)
    func sessionFromRequestToLogRecord(_ kind: TestDatabase) async throws {
        try await withSetup(kind) { s in
            let res = try await request(s)
            #expect(res.status == .created, "\(res.body.string)")
            struct Created: Codable {
                var sessionId: UUID
                var relayUrl: String
                var ticket: String
                var attended: Bool
            }
            let created = try res.content.decode(Created.self)
            #expect(created.relayUrl == "wss://relay-1.test/relay/v1")
            #expect(!created.attended)
            // The row exists before the answer.
            let row = try #require(try await RemoteSession.find(created.sessionId, on: s.cp.app.db))
            #expect(row.status == .offered && row.relayID == "relay-1")

            // The agent got its offer with its own ticket; both tickets verify at relay-1 only.
            guard case .offer(let offer) = try await s.agent.next() else {
                Issue.record("the agent must get an offer")
                return
            }
            #expect(
                offer.session == created.sessionId.uuidString && offer.relayURL == created.relayUrl)
            let serverKey = try #require(
                SigningKeyText.parse(
                    try await report(
                        s.cp, s.relayKey, .init(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0)
                    ).serverKey))
            let verifier = await TicketVerifier(serverKey: serverKey, relayID: "relay-1")
            let operatorTicket = try await verifier.admit(created.ticket)
            let agentTicket = try await verifier.admit(offer.ticket)
            #expect(operatorTicket.role == .operator && agentTicket.role == .agent)
            #expect(operatorTicket.session == agentTicket.session)
            let elsewhere = await TicketVerifier(serverKey: serverKey, relayID: "relay-2")
            await #expect(throws: TicketVerifier.Refusal.wrongRelay) {
                try await elsewhere.admit(created.ticket)
            }

            try await s.agent.send(.offerAnswer(.init(session: offer.session, accepted: true)))
            // The relay pairs them, then reports the end with the bytes.
            _ = try await report(
                s.cp, s.relayKey,
                .init(
                    sessions: 1, waiting: 0, bytesPerSecond: 10, cpu: 0.1,
                    activeSessions: [offer.session]))
            #expect(
                try await RemoteSession.find(created.sessionId, on: s.cp.app.db)?.status == .active)
            let end = RelaySessionEnd(
                session: offer.session, channel: .desktop, pairedAt: Date().addingTimeInterval(-5),
                endedAt: Date(),
                bytesFromOperator: 1234, bytesFromAgent: 987_654, operatorAddress: "198.51.100.7",
                agentAddress: "203.0.113.9", reason: .operatorClosed)
            _ = try await report(
                s.cp, s.relayKey,
                .init(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0, ended: [end, end]))
            let records = try await ConnectionRecord.query(on: s.cp.app.db).all()
            #expect(records.count == 1, "a repeated end report writes one record")
            let record = try #require(records.first)
            #expect(record.bytesFromAgent == 987_654 && record.bytesFromOperator == 1234)
            #expect(
                record.operatorAddress == "198.51.100.7" && record.agentAddress == "203.0.113.9")
            #expect(record.endReason == "operator_closed" && record.relayID == "relay-1")
            #expect(record.deviceName == "pc" && record.operatorLogin == "admin")
        }
    }

    @Test(arguments: TestDatabase.available)
    func wrongPasswordsLockTheDevice(_ kind: TestDatabase) async throws {
        try await withSetup(kind) { s in
            for _ in 0..<5 {
                let res = try await request(s, password: "guess-guess")
                #expect(res.status == .forbidden)
                #expect(res.errorCode == "wrong_password")
            }
            let locked = try await request(s)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.errorCode == "device_locked")
            #expect(locked.headers.first(name: "Retry-After").flatMap(Int.init) ?? 0 > 200)
            #expect(
                try await RemoteSession.query(on: s.cp.app.db).count() == 0,
                "no session for refused requests")
        }
    }

    @Test(arguments: TestDatabase.available)
    func otherCompaniesAndOfflineDevices(_ kind: TestDatabase) async throws {
        try await withSetup(kind) { s in
            let globex = try await s.cp.makeTenant("GLOBEX")
            try await s.cp.makeDevice("globex-pc", of: globex, connected: true)
            let g = try await s.cp.login("GLOBEX")
            // GLOBEX asks for ACME's device with the right password: as if it did not exist.
            let cross = try await s.cp.send(
                .POST, "/api/v1/sessions", token: g.token,
                json: try JSONEncoder().encode(["device": "pc", "password": "pc-password"]))
            #expect(cross.status == .notFound)
            #expect(cross.errorCode == "device_not_found")
            let missing = try await request(s, device: "nothing")
            #expect(missing.errorCode == "device_not_found")
            let crossMessage = try JSONDecoder().decode(
                ErrorAnswer.self, from: Data(buffer: cross.body)
            ).error.message
            let missingMessage = try JSONDecoder().decode(
                ErrorAnswer.self, from: Data(buffer: missing.body)
            ).error.message
            #expect(
                crossMessage.replacingOccurrences(of: "pc", with: "X")
                    == missingMessage.replacingOccurrences(of: "nothing", with: "X"))
            // ACME cannot see GLOBEX's session ids either.
            let sessionID = UUID()
            let show = try await s.cp.send(
                .GET, "/api/v1/sessions/\(sessionID)", token: s.admin.token)
            #expect(show.errorCode == "session_not_found")
            // An offline device.
            await s.agent.close()
            try await Task.sleep(for: .milliseconds(300))
            let offline = try await request(s)
            #expect(offline.status == .conflict)
            #expect(offline.errorCode == "device_offline")
            let bad = try await s.cp.send(
                .POST, "/api/v1/sessions", token: s.admin.token,
                json: try JSONEncoder().encode([
                    "device": "pc", "password": "pc-password", "channel": "telepathy",
                ]))
            #expect(bad.errorCode == "invalid_field")
        }
    }

    @Test(arguments: TestDatabase.available)
    func declinedEndedAndLostSessionsAreLogged(_ kind: TestDatabase) async throws {
        try await withSetup(kind, mode: "attended") { s in
            // The customer says no.
            let first = try await request(s)
            #expect(first.body.string.contains("\"attended\":true"))
            guard case .offer(let offer) = try await s.agent.next() else {
                Issue.record("the agent got no such message")
                return
            }
            try await s.agent.send(
                .offerAnswer(.init(session: offer.session, accepted: false, reason: .declined)))
            var declined: RemoteSession?
            for _ in 0..<40 where declined?.status != .ended {
                try await Task.sleep(for: .milliseconds(50))
                declined = try await RemoteSession.find(
                    UUID(uuidString: offer.session)!, on: s.cp.app.db)
            }
            #expect(declined?.endReason == .declined)

            // The operator ends one; the relay is told to close it and reports its end.
            let second = try await request(s)
            let id = try second.content.decode(CreatedID.self).sessionId.uuidString
            guard case .offer = try await s.agent.next() else {
                Issue.record("the agent got no such message")
                return
            }
            let ended = try await s.cp.send(.DELETE, "/api/v1/sessions/\(id)", token: s.admin.token)
            #expect(ended.body.string.contains("\"status\":\"ending\""))
            #expect(try await s.agent.next() == .endSession(.init(session: id)))
            let answer = try await report(
                s.cp, s.relayKey, .init(sessions: 0, waiting: 1, bytesPerSecond: 0, cpu: 0))
            #expect(answer.endSessions == [id])
            let closed = RelaySessionEnd(
                session: id, channel: .desktop, pairedAt: nil, endedAt: Date(),
                bytesFromOperator: 0,
                bytesFromAgent: 0, operatorAddress: "198.51.100.7", agentAddress: nil,
                reason: .endedByServer)
            let after = try await report(
                s.cp, s.relayKey,
                .init(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0, ended: [closed]))
            #expect(after.endSessions.isEmpty, "ended sessions need no more closing")
            // One that never reached a relay is closed by the sweeper after the grace time.
            let fourth = try await request(s)
            let fourthID = try fourth.content.decode(CreatedID.self).sessionId
            guard case .offer = try await s.agent.next() else {
                Issue.record("the agent got no such message")
                return
            }
            _ = try await s.cp.send(.DELETE, "/api/v1/sessions/\(fourthID)", token: s.admin.token)
            guard case .endSession = try await s.agent.next() else {
                Issue.record("the agent got no such message")
                return
            }
            try await RemoteSession.query(on: s.cp.app.db).filter(\.$id == fourthID)
                .set(\.$endRequestedAt, to: Date().addingTimeInterval(-60)).update()
            try await SessionBroker(database: s.cp.app.db, context: try await context(s.cp)).sweep()
            #expect(
                try await RemoteSession.find(fourthID, on: s.cp.app.db)?.endReason
                    == .endedByOperator)

            // An active session on a relay that goes silent ends as relay_lost.
            let third = try await request(s)
            let thirdID = try third.content.decode(CreatedID.self).sessionId.uuidString
            _ = try await report(
                s.cp, s.relayKey,
                .init(sessions: 1, waiting: 0, bytesPerSecond: 0, cpu: 0, activeSessions: [thirdID])
            )
            try await RelayNode.query(on: s.cp.app.db).set(
                \.$lastReportAt, to: Date().addingTimeInterval(-20)
            ).update()
            try await SessionBroker(database: s.cp.app.db, context: try await context(s.cp)).sweep()
            let lost = try await RemoteSession.find(UUID(uuidString: thirdID)!, on: s.cp.app.db)
            #expect(lost?.endReason == .relayLost)
            // With its only relay gone, new sessions are refused clearly.
            let none = try await request(s, relayReportsFirst: false)
            #expect(none.status == .serviceUnavailable)
            #expect(none.errorCode == "no_relay")

            let reasons = try await ConnectionRecord.query(on: s.cp.app.db).sort(\.$seq).all().map(
                \.endReason)
            #expect(
                reasons == ["declined", "ended_by_operator", "ended_by_operator", "relay_lost"])
            #expect(
                try await ConnectionLog(database: s.cp.app.db).verify().allSatisfy {
                    $0.problems.isEmpty
                })
        }
    }

    struct CreatedID: Codable {
        var sessionId: UUID
    }

    func context(_ cp: TestControlPlane) async throws -> ControlPlaneContext {
        try await ControlPlaneContext(
            configuration: cp.configuration, threadPool: cp.app.threadPool)
    }

    @Test(arguments: TestDatabase.available)
    func relayKeysAreChecked(_ kind: TestDatabase) async throws {
        try await withSetup(kind) { s in
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: "tsr_forged")
            let res = try await s.cp.send(
                .POST, "/api/v1/relays/report",
                body: try JSONEncoder().encode(
                    RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0)),
                headers: headers)
            #expect(res.status == .unauthorized)
            #expect(res.errorCode == "relay_key_invalid")
        }
    }
}
