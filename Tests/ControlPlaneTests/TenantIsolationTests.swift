import ControlPlane
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Two companies side by side; every endpoint is tried across the line.
@Suite("Tenant isolation")
struct TenantIsolationTests {
    @Test(arguments: TestDatabase.available)
    func nothingCrossesBetweenCompanies(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let acme = try await cp.makeTenant("ACME", seats: 5)
            let globex = try await cp.makeTenant("GLOBEX", seats: 5)
            try await cp.makeDevice("acme-pc", of: acme)
            try await cp.makeDevice("globex-pc", of: globex)
            try await cp.makeDevice("shared-name", of: acme)
            try await cp.makeDevice("shared-name", of: globex)
            let a = try await cp.login("ACME")
            let g = try await cp.login("GLOBEX")

            // Devices: each sees its own only, even for a name both use.
            let aDevices = try await cp.send(.GET, "/api/v1/devices", token: a.token).body.string
            #expect(aDevices.contains("acme-pc") && !aDevices.contains("globex-pc"))
            let gDevices = try await cp.send(.GET, "/api/v1/devices", token: g.token).body.string
            #expect(gDevices.contains("globex-pc") && !gDevices.contains("acme-pc"))

            // Operators: the roster is the caller's company's.
            let gOps = try await cp.send(.GET, "/api/v1/operators", token: g.token)
            let gRoster = try JSONDecoder().decode(Roster.self, from: Data(buffer: gOps.body))
            #expect(gRoster.operators.map(\.company) == ["GLOBEX"])
            let gAdminID = try #require(gRoster.operators.first?.id)

            // ACME's admin cannot deactivate GLOBEX's admin by id: it does not exist for ACME.
            let cross = try await cp.send(
                .PATCH, "/api/v1/operators/\(gAdminID)", token: a.token,
                json: try JSONEncoder().encode(["active": false]))
            #expect(cross.status == .notFound)
            #expect(cross.errorCode == "operator_not_found")
            let still = try await Operator.find(gAdminID, on: cp.app.db)
            #expect(still?.active == true)

            // A login may exist in both companies; creating it in ACME leaves GLOBEX alone.
            let created = try await cp.send(
                .POST, "/api/v1/operators", token: a.token,
                json: try JSONEncoder().encode(["login": "admin2", "password": "password-a2"]))
            #expect(created.status == .created)
            let gAfter = try await cp.send(.GET, "/api/v1/operators", token: g.token).body.string
            #expect(!gAfter.contains("admin2"))

            // Enrollment tokens belong to the caller's company.
            let token = try await cp.send(.POST, "/api/v1/enrollment-tokens", token: a.token)
            #expect(token.body.string.contains("\"company\":\"ACME\""))
            let rows = try await EnrollmentToken.query(on: cp.app.db).all()
            #expect(rows.map { $0.$tenant.id } == [try acme.requireID()])

            // One company's password does not open the other's account of the same login.
            let acmeOp = try await TenantRegistry(database: cp.app.db).find(companyID: "ACME")
            let roster = OperatorRoster(database: cp.app.db, hasher: try cp.hasher)
            try await roster.create(tenant: try #require(acmeOp), login: "same", password: "acme-secret", role: .operator)
            try await roster.create(tenant: globex, login: "same", password: "globex-secret", role: .operator)
            let wrongSide = try await cp.post(
                "/api/v1/auth/login", ["company": "GLOBEX", "login": "same", "password": "acme-secret"])
            #expect(wrongSide.errorCode == "invalid_credentials")

            // Who am I: the token's own company.
            let me = try await cp.send(.GET, "/api/v1/auth/me", token: a.token).body.string
            #expect(me.contains("\"company\":\"ACME\""))
        }
    }

    struct Roster: Codable {
        struct Op: Codable {
            var id: UUID
            var company: String
        }
        var operators: [Op]
    }
}
