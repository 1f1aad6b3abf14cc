import ControlPlane
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Errors have a shape and a code, never a 500")
struct ErrorShapeTests {
    @Test(arguments: TestDatabase.available)
    func badRequestsGetClearCodes(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            let cases: [(Data?, HTTPResponseStatus, String)] = [
                (Data("{\"company\":".utf8), .badRequest, "invalid_json"),
                (Data("not json at all".utf8), .badRequest, "invalid_json"),
                (Data("[]".utf8), .badRequest, "invalid_json"),
                (Data("{\"company\":\"ACME\",\"login\":\"admin\"}".utf8), .badRequest, "missing_field"),
                (Data("{\"company\":1,\"login\":\"a\",\"password\":\"b\"}".utf8), .badRequest, "invalid_field"),
            ]
            for (body, status, code) in cases {
                let res = try await cp.send(.POST, "/api/v1/auth/login", body: body)
                #expect(res.status == status, "\(code)")
                #expect(res.errorCode == code, "\(res.body.string)")
            }
            let notFound = try await cp.send(.GET, "/api/v1/nothing-here")
            #expect(notFound.status == .notFound)
            #expect(notFound.errorCode == "not_found")
            let noToken = try await cp.send(.GET, "/api/v1/devices")
            #expect(noToken.errorCode == "unauthenticated")
            var junk = HTTPHeaders()
            junk.bearerAuthorization = .init(token: String(repeating: "x", count: 5000))
            let junkToken = try await cp.send(.GET, "/api/v1/devices", headers: junk)
            #expect(junkToken.errorCode == "unauthenticated")
            let admin = try await cp.login("ACME")
            let badID = try await cp.send(
                .PATCH, "/api/v1/operators/not-a-uuid", token: admin.token,
                json: Data("{\"active\":true}".utf8))
            #expect(badID.status == .notFound)
            #expect(badID.errorCode == "operator_not_found")
        }
    }

    @Test(arguments: TestDatabase.available)
    func healthAndReadiness(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let health = try await cp.send(.GET, "/healthz")
            #expect(health.status == .ok)
            let ready = try await cp.send(.GET, "/readyz")
            #expect(ready.status == .ok)
            #expect(ready.body.string.contains("\"database\":\"ok\""))
        }
    }
}
