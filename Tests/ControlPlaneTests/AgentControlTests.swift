import ControlPlane
import Crypto
import Fluent
import Foundation
import Testing
import TsunaguCore
import Vapor

/// The server side of `/api/v1/agent/ws`: enrollment, key proof, presence, refusals.
@Suite("Agent control connection")
struct AgentControlTests {
    /// Serves the app on a free loopback port for the duration of `body`.
    func withServer(
        _ kind: TestDatabase, _ body: @escaping (TestControlPlane, Int) async throws -> Void
    ) async throws {
        try await TestControlPlane.with(kind) { cp in
            cp.app.http.server.configuration.port = 0
            try await cp.app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require((cp.app.server as? TsunaguHTTPServer)?.localAddress?.port)
            do {
                try await body(cp, port)
            } catch {
                await cp.app.server.shutdown()
                throw error
            }
            await cp.app.server.shutdown()
        }
    }

    func issueToken(_ cp: TestControlPlane, _ tenant: Tenant, uses: Int = 1, lifetime: TimeInterval = 3600)
        async throws -> String
    {
        try await EnrollmentTokenIssuer(database: cp.app.db)
            .issue(tenant: tenant, uses: uses, lifetime: lifetime, createdBy: "test").token
    }

    func device(_ cp: TestControlPlane, _ name: String) async throws -> Device? {
        try await Device.query(on: cp.app.db).filter(\.$connectionName == name).first()
    }

    @Test(arguments: TestDatabase.available)
    func enrollThenComeBackWithTheKey(_ kind: TestDatabase) async throws {
        try await withServer(kind) { cp, port in
            let tenant = try await cp.makeTenant("ACME")
            let token = try await issueToken(cp, tenant)
            let agent = try await TestAgentClient.connect(port: port, group: cp.app.eventLoopGroup)
            let answer = try await agent.handshake(
                company: "acme", name: "Reception-PC", enrollToken: token, password: "pc-password")
            guard case .welcome(let welcome) = answer else {
                Issue.record("expected welcome, got \(String(describing: answer))")
                return
            }
            #expect(welcome.enrolled)
            #expect(welcome.company == "ACME" && welcome.name == "reception-pc")
            let admin = try await cp.login("ACME")
            let list = try await cp.send(.GET, "/api/v1/devices", token: admin.token).body.string
            #expect(list.contains("\"name\":\"reception-pc\""))
            #expect(list.contains("\"online\":true"))
            let row = try #require(try await device(cp, "reception-pc"))
            #expect(row.publicKey == SigningKeyText.format(agent.key.publicKey))
            #expect(row.osName == "Debian GNU/Linux" && row.hostname == "test-host")
            #expect(row.connectionPasswordHash.hasPrefix("$2b$10$"))

            // Heartbeats are answered.
            try await agent.send(.heartbeat(.init()))
            #expect(try await agent.next() == .heartbeat(.init()))

            // Closing marks it offline.
            await agent.close()
            var offline = false
            for _ in 0..<50 where !offline {
                try await Task.sleep(for: .milliseconds(50))
                offline = try await device(cp, "reception-pc")?.connected == false
            }
            #expect(offline)

            // Next contact: no token, the key alone; online at once as operators see it.
            let started = ContinuousClock.now
            let again = try await TestAgentClient.connect(port: port, key: agent.key, group: cp.app.eventLoopGroup)
            let second = try await again.handshake(company: "ACME", name: "reception-pc")
            guard case .welcome(let w2) = second else {
                Issue.record("expected welcome, got \(String(describing: second))")
                return
            }
            #expect(!w2.enrolled)
            let relisted = try await cp.send(.GET, "/api/v1/devices", token: admin.token).body.string
            #expect(relisted.contains("\"online\":true"))
            // Well under a second alone; 4.5 s was seen with the whole suite on two cores.
            #expect(ContinuousClock.now - started < .seconds(10))
            await again.close()
        }
    }

    @Test(arguments: TestDatabase.available)
    func refusalsAreClear(_ kind: TestDatabase) async throws {
        try await withServer(kind) { cp, port in
            let acme = try await cp.makeTenant("ACME")
            let globex = try await cp.makeTenant("GLOBEX")
            let token = try await issueToken(cp, acme)
            let group = cp.app.eventLoopGroup

            func refusalCode(_ run: (TestAgentClient) async throws -> ControlMessage?) async throws -> String? {
                let agent = try await TestAgentClient.connect(port: port, group: group)
                defer { Task { await agent.close() } }
                guard case .refused(let refusal) = try await run(agent) else { return nil }
                return refusal.code
            }

            // Unknown device without a token.
            #expect(try await refusalCode { try await $0.handshake(company: "ACME", name: "ghost") } == "unknown_device")
            // Unknown company.
            #expect(try await refusalCode { try await $0.handshake(company: "NOPE", name: "pc") } == "unknown_company")
            // Another company's token does not enroll into GLOBEX.
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "GLOBEX", name: "pc", enrollToken: token, password: "pc-password")
                } == "enrollment_token_invalid")
            // A made-up token.
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "ACME", name: "pc", enrollToken: "tse_forged", password: "pc-password")
                } == "enrollment_token_invalid")
            // Enrollment without a password, or a weak one.
            #expect(try await refusalCode { try await $0.handshake(company: "ACME", name: "pc", enrollToken: token) } == "password_required")
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "ACME", name: "pc", enrollToken: token, password: "short")
                } == "weak_password")
            // A proof signed by another key.
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "ACME", name: "pc", enrollToken: token, password: "pc-password", signWith: .init())
                } == "bad_signature")
            // The token was not used up by any of these: it still enrolls once…
            let first = try await TestAgentClient.connect(port: port, group: group)
            guard case .welcome = try await first.handshake(company: "ACME", name: "pc", enrollToken: token, password: "pc-password") else {
                Issue.record("the token must still be good")
                return
            }
            await first.close()
            // …and only once.
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "ACME", name: "pc2", enrollToken: token, password: "pc-password")
                } == "enrollment_token_invalid")
            // Another key claiming the enrolled name.
            #expect(try await refusalCode { try await $0.handshake(company: "ACME", name: "pc") } == "device_key_mismatch")
            // The same name in GLOBEX is a different device: unknown there.
            #expect(try await refusalCode { try await $0.handshake(company: "GLOBEX", name: "pc") } == "unknown_device")
            // An expired token.
            let expired = try await issueToken(cp, globex, lifetime: 60)
            try await EnrollmentToken.query(on: cp.app.db).filter(\.$tokenHash == SecretToken.storedHash(of: expired))
                .set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            #expect(
                try await refusalCode {
                    try await $0.handshake(company: "GLOBEX", name: "x", enrollToken: expired, password: "pc-password")
                } == "enrollment_token_invalid")
            // Malformed frames and messages out of order.
            #expect(try await refusalCode { agent in
                try await agent.sendRaw("{\"type\":")
                return try await agent.next()
            } == "protocol_error")
            #expect(try await refusalCode { agent in
                try await agent.send(.heartbeat(.init()))
                return try await agent.next()
            } == "protocol_error")
            // The server still serves others after all that.
            let ok = try await TestAgentClient.connect(port: port, group: group)
            let last = try await ok.handshake(company: "ACME", name: "pc2", enrollToken: try await issueToken(cp, acme), password: "pc-password")
            if case .welcome = last {} else { Issue.record("expected welcome, got \(String(describing: last))") }
            await ok.close()
        }
    }

    @Test(arguments: TestDatabase.available)
    func countedTokenEnrollsThatManyDevices(_ kind: TestDatabase) async throws {
        try await withServer(kind) { cp, port in
            let acme = try await cp.makeTenant("ACME")
            let token = try await issueToken(cp, acme, uses: 2)
            var outcomes: [String] = []
            for name in ["a", "b", "c"] {
                let agent = try await TestAgentClient.connect(port: port, group: cp.app.eventLoopGroup)
                switch try await agent.handshake(company: "ACME", name: name, enrollToken: token, password: "pc-password") {
                case .welcome: outcomes.append("welcome")
                case .refused(let r): outcomes.append(r.code)
                default: outcomes.append("other")
                }
                await agent.close()
            }
            #expect(outcomes == ["welcome", "welcome", "enrollment_token_invalid"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func renamedAndRemovedDevices(_ kind: TestDatabase) async throws {
        try await withServer(kind) { cp, port in
            let tenant = try await cp.makeTenant("ACME")
            let admin = try await cp.login("ACME")
            let agent = try await TestAgentClient.connect(port: port, group: cp.app.eventLoopGroup)
            guard case .welcome = try await agent.handshake(
                company: "ACME", name: "pc", enrollToken: try await issueToken(cp, tenant), password: "pc-password")
            else { Issue.record("enrollment failed"); return }
            await agent.close()
            // The admin renames it and makes it attended.
            let renamed = try await cp.send(
                .PATCH, "/api/v1/devices/pc", token: admin.token,
                json: try JSONEncoder().encode(["name": "reception", "mode": "attended"]))
            #expect(renamed.status == .ok, "\(renamed.body.string)")
            // The agent still starts as "pc" (even with its old token): it is the same device.
            let back = try await TestAgentClient.connect(port: port, key: agent.key, group: cp.app.eventLoopGroup)
            let answer = try await back.handshake(company: "ACME", name: "pc", enrollToken: "tse_used-long-ago", password: "pc-password")
            guard case .welcome(let welcome) = answer else {
                Issue.record("expected welcome, got \(String(describing: answer))"); return
            }
            #expect(welcome.name == "reception" && !welcome.enrolled)
            #expect(try await device(cp, "reception")?.mode == .attended, "the admin's mode stays")
            #expect(try await Device.query(on: cp.app.db).count() == 1)
            // Removing the device closes its agent's connection.
            let removed = try await cp.send(.DELETE, "/api/v1/devices/reception", token: admin.token)
            #expect(removed.status == .ok)
            #expect(try await back.next() == nil, "the server closed the control connection")
        }
    }
}
