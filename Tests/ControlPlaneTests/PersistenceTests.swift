import ControlPlane
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Restart keeps everything")
struct PersistenceTests {
    @Test(arguments: TestDatabase.available)
    func restartOnTheSameDataFindsEverything(_ kind: TestDatabase) async throws {
        let configuration = try TestControlPlane.makeConfiguration(kind)
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        var token = ""
        try await TestControlPlane.with(configuration) { cp in
            let tenant = try await cp.makeTenant("ACME", seats: 4)
            try await cp.makeDevice("front-desk", of: tenant)
            token = try await cp.login("ACME").token
            let res = try await cp.send(
                .POST, "/api/v1/operators", token: token,
                json: try JSONEncoder().encode(["login": "alice", "password": "alice-password"]))
            #expect(res.status == .created)
        }
        try await TestControlPlane.with(configuration) { cp in
            // The login made before the restart still works, and so do the passwords.
            let devices = try await cp.send(.GET, "/api/v1/devices", token: token)
            #expect(devices.status == .ok)
            #expect(devices.body.string.contains("front-desk"))
            _ = try await cp.login("ACME", "alice", "alice-password")
            let roster = try await cp.send(.GET, "/api/v1/operators", token: token).body.string
            #expect(roster.contains("\"seats\":4"))
            #expect(roster.contains("\"seatsUsed\":2"))
        }
    }
}
