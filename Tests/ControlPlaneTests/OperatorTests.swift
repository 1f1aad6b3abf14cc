import ControlPlane
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Operators and seats")
struct OperatorTests {
    func createBody(_ login: String, role: String = "operator") throws -> Data {
        try JSONEncoder().encode(["login": login, "password": "\(login)-password", "role": role])
    }

    @Test(arguments: TestDatabase.available)
    func adminAddsOperatorsUpToTheSeats(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME", seats: 3)  // the admin holds one seat
            let admin = try await cp.login("ACME")
            for login in ["alice", "bob"] {
                let res = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody(login))
                #expect(res.status == .created)
            }
            let over = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("carol"))
            #expect(over.status == .conflict)
            #expect(over.errorCode == "seat_limit")
            let roster = try await cp.send(.GET, "/api/v1/operators", token: admin.token)
            #expect(roster.body.string.contains("\"seatsUsed\":3"))
            #expect(roster.body.string.contains("\"seats\":3"))
            // The new operator can log in with the password the admin set.
            _ = try await cp.login("ACME", "alice", "alice-password")
        }
    }

    @Test(arguments: TestDatabase.available)
    func deactivationFreesASeatAndEndsLogins(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME", seats: 2)
            let admin = try await cp.login("ACME")
            let created = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("alice"))
            let alice = try created.content.decode(LoginAnswer.Op.self)
            let aliceLogin = try await cp.login("ACME", "alice", "alice-password")

            let off = try await cp.send(
                .PATCH, "/api/v1/operators/\(alice.id)", token: admin.token,
                json: try JSONEncoder().encode(["active": false]))
            #expect(off.status == .ok)
            let refused = try await cp.send(.GET, "/api/v1/devices", token: aliceLogin.token)
            #expect(refused.status == .unauthorized)

            let bob = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("bob"))
            #expect(bob.status == .created)
            // Alice coming back would exceed the seats.
            let back = try await cp.send(
                .PATCH, "/api/v1/operators/\(alice.id)", token: admin.token,
                json: try JSONEncoder().encode(["active": true]))
            #expect(back.errorCode == "seat_limit")
        }
    }

    @Test(arguments: TestDatabase.available)
    func duplicateLoginAndBadInputAreClear(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME", seats: 5)
            let admin = try await cp.login("ACME")
            let dup = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("ADMIN"))
            #expect(dup.status == .conflict)
            #expect(dup.errorCode == "login_taken")
            let short = try await cp.send(
                .POST, "/api/v1/operators", token: admin.token,
                json: try JSONEncoder().encode(["login": "zed", "password": "short"]))
            #expect(short.errorCode == "invalid_field")
            let badRole = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("x", role: "root"))
            #expect(badRole.status == .badRequest)
            #expect(badRole.errorCode == "invalid_field")
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyAdminsManageOperators(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME", seats: 5)
            let admin = try await cp.login("ACME")
            _ = try await cp.send(.POST, "/api/v1/operators", token: admin.token, json: try createBody("alice"))
            let alice = try await cp.login("ACME", "alice", "alice-password")
            for (method, path) in [(HTTPMethod.GET, "/api/v1/operators"), (.POST, "/api/v1/operators"), (.POST, "/api/v1/enrollment-tokens")] {
                let res = try await cp.send(method, path, token: alice.token, json: try createBody("mallory"))
                #expect(res.status == .forbidden, "\(method) \(path)")
                #expect(res.errorCode == "admin_required")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentAdditionsNeverExceedTheSeats(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let tenant = try await cp.makeTenant("ACME", seats: 3)
            let roster = OperatorRoster(database: cp.app.db, hasher: try cp.hasher)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        do {
                            try await roster.create(tenant: tenant, login: "op\(i)", password: "password-\(i)", role: .operator)
                            return "created"
                        } catch let error as APIError {
                            return error.code
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "created" }.count == 2, "\(outcomes)")
            #expect(outcomes.filter { $0 == "seat_limit" }.count == 4, "\(outcomes)")
            #expect(try await roster.seatsUsed(tenantID: tenant.requireID()) == 3)
        }
    }
}
