import ControlPlane
import Crypto
import Fluent
import Foundation
import Testing
import TsunaguCore
import Vapor
import VaporTesting

/// What held against parallel bursts, takeovers and malformed requests (issue 9), each found
/// broken before: every limit is counted before the slow hash, on both databases.
@Suite("Abuse resistance")
struct AbuseResistanceTests {
    /// The server's real limits (8 per account, 30 per address), without the slowing delays.
    static let policy = LoginPolicy(slowAfter: 100, delayPerFailure: 0, maxDelay: 0)
    /// A colleague's login during a burst: 0.2–1 s alone here, up to 8 s seen with the whole
    /// suite running beside it on two cores; the unbounded flood of the report took 12.2 s
    /// alone.
    static let colleagueBound: Duration = .seconds(12)
    /// How much slower than alone a colleague's login may be during a burst: the unbounded
    /// flood made it 64 times slower (12.2 s against 190 ms); under the full suite's load on
    /// two cores both figures grow together, so the bound is the larger of the two.
    static let colleagueSlowdown = 15

    /// The bound for a colleague's login during a burst, from one measured alone just before.
    func colleagueBound(_ cp: TestControlPlane) async throws -> Duration {
        let alone = try await timedLogin(cp, "second")
        return max(Self.colleagueBound, alone * Self.colleagueSlowdown)
    }

    func addOperator(_ cp: TestControlPlane, _ login: String, role: Operator.Role = .operator)
        async throws
    {
        let tenant = try #require(
            try await TenantRegistry(database: cp.app.db).find(companyID: "ACME"))
        try await OperatorRoster(database: cp.app.db, hasher: cp.hasher).create(
            tenant: tenant, login: login, password: "\(login)-password", role: role)
    }

    func timedLogin(_ cp: TestControlPlane, _ login: String) async throws -> Duration {
        let start = ContinuousClock.now
        _ = try await cp.login("ACME", login, "\(login)-password")
        return ContinuousClock.now - start
    }

    @Test(arguments: TestDatabase.available)
    func parallelLoginsCannotPassTheAccountLimit(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind, policy: Self.policy) { cp in
            try await cp.makeTenant("ACME")
            try await addOperator(cp, "second")
            let bound = try await colleagueBound(cp)
            let before = await cp.context.hasher.operations
            async let colleague = timedLogin(cp, "second")
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for i in 0..<25 {
                    let password = i == 12 ? "admin-password" : "wrong-\(i)"
                    group.addTask {
                        try await cp.post(
                            "/api/v1/auth/login",
                            ["company": "ACME", "login": "admin", "password": password]
                        ).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            let elapsed = try await colleague
            let verified = await cp.context.hasher.operations - before
            let wrong = statuses.filter { $0 == 401 }.count
            let refused = statuses.filter { $0 == 429 }.count
            // At most the limit of wrong passwords was checked (plus the right one, whose
            // success gives its slot back, and the colleague's login).
            #expect(wrong <= 8, "\(statuses)")
            #expect(refused >= 16, "\(statuses)")
            #expect(statuses.allSatisfy { [200, 401, 429].contains($0) })
            #expect(verified <= 10, "bcrypt ran \(verified) times")
            // 190 ms before the flood, 12.2 s during the unbounded one of the report. What
            // fails without the fix is the count above; the time is bounded loosely because the
            // whole suite shares two cores with this test.
            #expect(elapsed < bound, "the colleague's login took \(elapsed) (bound \(bound))")
            let events = try await AuditEvent.query(on: cp.app.db).all()
            #expect(events.filter { $0.kind == .loginFailed }.count == wrong)
            #expect(events.contains { $0.kind == .loginLocked && $0.subject == "admin" })
            #expect(events.contains { $0.kind == .loginRefused })
        }
    }

    @Test(arguments: TestDatabase.available)
    func parallelDevicePasswordsCannotPassTheLimitAndLockOnlyTheGuesser(_ kind: TestDatabase)
        async throws
    {
        try await SessionTests().withSetup(kind) { s in
            let cp = s.cp
            try await addOperator(cp, "second")
            try await addOperator(cp, "guesser")
            let guesser = try await cp.login("ACME", "guesser", "guesser-password")
            let bound = try await colleagueBound(cp)
            let before = await cp.context.hasher.operations
            let body = try JSONEncoder().encode([
                "device": "pc", "password": "wrong-password", "channel": "desktop",
            ])
            async let colleague = timedLogin(cp, "second")
            let codes = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<60 {
                    group.addTask {
                        try await cp.send(
                            .POST, "/api/v1/sessions", token: guesser.token, json: body
                        )
                        .errorCode
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            let elapsed = try await colleague
            let checked = await cp.context.hasher.operations - before
            let wrong = codes.filter { $0 == "wrong_password" }.count
            #expect(wrong <= 5, "\(codes)")
            #expect(wrong + codes.filter { $0 == "device_locked" }.count == 60, "\(codes)")
            #expect(checked <= 6, "bcrypt ran \(checked) times")
            #expect(elapsed < bound, "the colleague's login took \(elapsed) (bound \(bound))")
            // The guesser is locked out; the company's other operators are not.
            let again = try await cp.send(
                .POST, "/api/v1/sessions", token: guesser.token, json: body)
            #expect(again.errorCode == "device_locked")
            #expect(again.headers.first(name: "Retry-After") != nil)
            // The test's relay reports again: sixty slow guesses on a loaded machine can outlast
            // its health window, and "no relay" is not what this checks.
            _ = try await SessionTests().report(
                cp, s.relayKey, RelayReport(sessions: 0, waiting: 0, bytesPerSecond: 0, cpu: 0))
            let created = try await SessionTests().request(s)
            #expect(created.status == .created, "\(created.body.string)")
            // And it left a trace.
            let events = try await AuditEvent.query(on: cp.app.db).all()
            #expect(events.filter { $0.kind == .devicePasswordWrong }.count == wrong)
            #expect(events.contains { $0.kind == .devicePasswordLocked && $0.actor == "guesser" })
            // Attempts refused for the guesser never counted against the device as a whole.
            #expect(
                !events.contains {
                    $0.kind == .devicePasswordLocked && $0.detail.contains("every operator")
                })
            #expect(events.allSatisfy { $0.subject == "pc" || $0.kind == .loginFailed })
        }
    }

    @Test(arguments: TestDatabase.available)
    func bogusEnrollmentsCostNoHashing(_ kind: TestDatabase) async throws {
        try await AgentControlTests().withServer(kind) { cp, port in
            try await cp.makeTenant("ACME")
            try await addOperator(cp, "second")
            let group = cp.app.eventLoopGroup
            let bound = try await colleagueBound(cp)
            let before = await cp.context.hasher.operations
            let long = String(repeating: "p", count: 256)
            async let colleague = timedLogin(cp, "second")
            let codes = try await withThrowingTaskGroup(of: String?.self) { tasks in
                for i in 0..<60 {
                    tasks.addTask {
                        let agent = try await TestAgentClient.connect(port: port, group: group)
                        let answer = try await agent.handshake(
                            company: "ACME", name: "pc-\(i)", enrollToken: "tse_bogus\(i)",
                            password: long)
                        await agent.close()
                        guard case .refused(let refusal) = answer else { return nil }
                        return refusal.code
                    }
                }
                return try await tasks.reduce(into: [String?]()) { $0.append($1) }
            }
            let elapsed = try await colleague
            #expect(codes.allSatisfy { $0 == "enrollment_token_invalid" }, "\(codes)")
            // Only the colleague's login hashed anything.
            #expect(await cp.context.hasher.operations - before == 1)
            #expect(elapsed < bound, "the colleague's login took \(elapsed) (bound \(bound))")
            let refusals = try await AuditEvent.query(on: cp.app.db)
                .filter(\.$kind == .enrollmentRefused).count()
            #expect(refusals == 60)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anExistingNameIsNotTakenOver(_ kind: TestDatabase) async throws {
        try await AgentControlTests().withServer(kind) { cp, port in
            let tenant = try await cp.makeTenant("ACME")
            let group = cp.app.eventLoopGroup
            let issue = {
                try await EnrollmentTokenIssuer(database: cp.app.db)
                    .issue(tenant: tenant, uses: 1, lifetime: 3600, createdBy: "test").token
            }
            let legit = try await TestAgentClient.connect(port: port, group: group)
            let first = try await legit.handshake(
                company: "ACME", name: "pc", enrollToken: try await issue(),
                password: "pc-password",
                runID: "run-legit")
            #expect(first.map { if case .welcome = $0 { true } else { false } } == true)
            let legitKey = try #require(try await AgentControlTests().device(cp, "pc")?.publicKey)

            let intruder = try await TestAgentClient.connect(port: port, group: group)
            let taken = try await intruder.handshake(
                company: "ACME", name: "pc", enrollToken: try await issue(),
                password: "intruder-pw",
                runID: "run-intruder")
            guard case .refused(let refusal) = try #require(taken) else {
                Issue.record("the takeover was not refused: \(String(describing: taken))")
                return
            }
            #expect(refusal.code == "device_exists")
            await intruder.close()
            // The legitimate agent is still connected and still the device.
            try await legit.send(.heartbeat(.init()))
            #expect(try await legit.next() == .heartbeat(.init()))
            let row = try #require(try await AgentControlTests().device(cp, "pc"))
            #expect(row.publicKey == legitKey)
            #expect(
                try await cp.context.hasher.verify(
                    "pc-password", against: row.connectionPasswordHash))

            // A tenant admin allows a reinstall: then the name may be enrolled again, once.
            let admin = try await cp.login("ACME")
            let allowed = try await cp.send(
                .POST, "/api/v1/devices/pc/reenroll", token: admin.token)
            #expect(allowed.status == .ok, "\(allowed.body.string)")
            await legit.close()
            let reinstalled = try await TestAgentClient.connect(port: port, group: group)
            let welcome = try await reinstalled.handshake(
                company: "ACME", name: "pc", enrollToken: try await issue(),
                password: "new-pc-password",
                runID: "run-reinstalled")
            guard case .welcome(let w) = try #require(welcome) else {
                Issue.record("re-enrollment refused: \(String(describing: welcome))")
                return
            }
            #expect(w.enrolled)
            await reinstalled.close()
            let after = try #require(try await AgentControlTests().device(cp, "pc"))
            #expect(after.publicKey != legitKey)
            #expect(after.reenrollAllowedUntil == nil, "the permission is spent")
            let kinds = try await AuditEvent.query(on: cp.app.db).all().map(\.kind)
            #expect(kinds.contains(.enrollmentRefused))
            #expect(kinds.contains(.reenrollmentAllowed))
            #expect(kinds.contains(.deviceReenrolled))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aClonedDeviceKeyIsRefusedAndShown(_ kind: TestDatabase) async throws {
        try await AgentControlTests().withServer(kind) { cp, port in
            let tenant = try await cp.makeTenant("ACME")
            let group = cp.app.eventLoopGroup
            let token = try await EnrollmentTokenIssuer(database: cp.app.db)
                .issue(tenant: tenant, uses: 1, lifetime: 3600, createdBy: "test").token
            let original = try await TestAgentClient.connect(port: port, group: group)
            _ = try await original.handshake(
                company: "ACME", name: "pc", enrollToken: token, password: "pc-password",
                runID: "run-a")
            // The same image on a second machine: same key, another run.
            let clone = try await TestAgentClient.connect(
                port: port, key: original.key, group: group)
            let answer = try await clone.handshake(company: "ACME", name: "pc", runID: "run-b")
            guard case .refused(let refusal) = try #require(answer) else {
                Issue.record("the clone was admitted: \(String(describing: answer))")
                return
            }
            #expect(refusal.code == "device_key_conflict")
            await clone.close()
            try await original.send(.heartbeat(.init()))
            #expect(try await original.next() == .heartbeat(.init()), "the original stays online")
            let admin = try await cp.login("ACME")
            let list = try await cp.send(.GET, "/api/v1/devices", token: admin.token).body.string
            #expect(list.contains("\"keyConflictAt\""))
            let audit = try await cp.send(.GET, "/api/v1/audit", token: admin.token).body.string
            #expect(audit.contains("device_key_conflict"))
            // The same run reconnecting (a dropped link) is not a conflict.
            let again = try await TestAgentClient.connect(
                port: port, key: original.key, group: group)
            let back = try await again.handshake(company: "ACME", name: "pc", runID: "run-a")
            #expect(back.map { if case .welcome = $0 { true } else { false } } == true)
            await again.close()
            await original.close()
        }
    }

    @Test(arguments: TestDatabase.available)
    func anOperatorCannotReadAnothersSession(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let created = try await SessionTests().request(s)
            #expect(created.status == .created)
            let id = try created.content.decode(CreatedSession.self).sessionId
            try await addOperator(s.cp, "second")
            let other = try await s.cp.login("ACME", "second", "second-password")
            let read = try await s.cp.send(.GET, "/api/v1/sessions/\(id)", token: other.token)
            #expect(read.status == .notFound)
            #expect(read.errorCode == "session_not_found")
            #expect(
                try await s.cp.send(.GET, "/api/v1/sessions/\(id)", token: s.admin.token).status
                    == .ok)
        }
    }

    struct CreatedSession: Codable {
        var sessionId: UUID
    }

    @Test(arguments: TestDatabase.available)
    func loginTakesJSONAlone(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            // What a page elsewhere can post cross-site without a preflight.
            for type in [
                "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "text/plain",
            ] {
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: type)
                let body =
                    type.hasPrefix("multipart")
                    ? "--x\r\nContent-Disposition: form-data; name=\"company\"\r\n\r\nACME\r\n--x--\r\n"
                    : "company=ACME&login=admin&password=admin-password"
                let res = try await cp.app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: headers, body: ByteBuffer(string: body))
                #expect(res.status == .unsupportedMediaType, "\(type)")
                #expect(res.errorCode == "json_required")
                #expect(res.headers.first(name: .setCookie) == nil)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func duplicateKeysAndWrongNumbersAreNamed(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            let admin = try await cp.login("ACME")
            let twice =
                #"{"login":"eve","password":"eve-password-1","role":"admin","role":"operator"}"#
            let dup = try await cp.send(
                .POST, "/api/v1/operators", token: admin.token, json: Data(twice.utf8))
            #expect(dup.status == .badRequest)
            #expect(dup.errorCode == "duplicate_field")
            #expect(dup.body.string.contains("role"))
            let fraction = try await cp.send(
                .POST, "/api/v1/enrollment-tokens", token: admin.token,
                json: Data(#"{"uses": 2.5}"#.utf8))
            #expect(fraction.status == .badRequest)
            #expect(fraction.errorCode == "invalid_field")
            #expect(
                fraction.body.string.contains("uses must be a whole number"),
                "\(fraction.body.string)")
            let broken = try await cp.send(
                .POST, "/api/v1/enrollment-tokens", token: admin.token,
                json: Data(#"{"uses": 2,"#.utf8))
            #expect(broken.errorCode == "invalid_json")
            // Still serving.
            #expect(try await cp.send(.GET, "/api/v1/devices", token: admin.token).status == .ok)
        }
    }

    @Test func hstsOnlyOverHTTPS() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tsunagu-\(UUID())")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let https = ServerConfiguration(
            dataDirectory: dir, publicURL: "https://support.example",
            loginPolicy: TestControlPlane.quickPolicy)
        try await TestControlPlane.with(https) { cp in
            let res = try await cp.app.testing().sendRequest(.GET, "/healthz")
            #expect(res.headers.first(name: .strictTransportSecurity) == "max-age=31536000")
        }
        try await TestControlPlane.with(.sqlite) { cp in
            let res = try await cp.app.testing().sendRequest(.GET, "/healthz")
            #expect(res.headers.first(name: .strictTransportSecurity) == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theAuditTrailIsForAdmins(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            try await cp.makeTenant("GLOBEX")
            try await addOperator(cp, "second")
            _ = try await cp.post(
                "/api/v1/auth/login", ["company": "ACME", "login": "second", "password": "nope"])
            _ = try await cp.post(
                "/api/v1/auth/login", ["company": "GLOBEX", "login": "admin", "password": "nope"])
            let admin = try await cp.login("ACME")
            let json = try await cp.send(.GET, "/api/v1/audit", token: admin.token)
            #expect(json.status == .ok)
            #expect(json.body.string.contains("\"kind\":\"login_failed\""))
            #expect(json.body.string.contains("\"subject\":\"second\""))
            #expect(
                !json.body.string.contains("GLOBEX")
                    && json.body.string.components(separatedBy: "login_failed").count == 2)
            let csv = try await cp.send(.GET, "/api/v1/audit?format=csv", token: admin.token)
            #expect(csv.body.string.hasPrefix("at,kind,actor,subject,address,detail\r\n"))
            let second = try await cp.login("ACME", "second", "second-password")
            #expect(
                try await cp.send(.GET, "/api/v1/audit", token: second.token).errorCode
                    == "admin_required")
        }
    }
}
