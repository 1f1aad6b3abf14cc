import ControlPlane
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Devices and enrollment tokens")
struct DeviceAndTokenTests {
    struct DeviceAnswer: Codable {
        var name: String
        var online: Bool
        var mode: String
        var os: String?
        var lastSeenAt: Date?
    }

    @Test(arguments: TestDatabase.available)
    func devicesListShowsPresence(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let tenant = try await cp.makeTenant("ACME")
            try await cp.makeDevice("reception-pc", of: tenant, connected: true)
            try await cp.makeDevice("accounting-01", of: tenant, connected: false)
            let admin = try await cp.login("ACME")
            let res = try await cp.send(.GET, "/api/v1/devices", token: admin.token)
            #expect(res.status == .ok)
            let devices = try res.content.decode([DeviceAnswer].self)
            #expect(devices.map(\.name) == ["accounting-01", "reception-pc"])
            #expect(devices.map(\.online) == [false, true])
            #expect(devices[1].os == "Debian 12")
            #expect(devices[1].mode == "unattended")
        }
    }

    @Test func onlineNeedsARecentHeartbeat() {
        let device = Device(
            tenantID: UUID(), connectionName: "pc", connectionPasswordHash: "x", publicKey: nil, mode: .attended)
        let now = Date()
        device.connected = true
        device.lastSeenAt = now.addingTimeInterval(-30)
        #expect(device.isOnline(at: now))
        device.lastSeenAt = now.addingTimeInterval(-61)
        #expect(!device.isOnline(at: now), "silent for over 60 s means offline")
        device.lastSeenAt = now
        device.connected = false
        #expect(!device.isOnline(at: now))
    }

    @Test(arguments: TestDatabase.available)
    func enrollmentTokensAreStoredHashed(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            let admin = try await cp.login("ACME")
            let res = try await cp.send(
                .POST, "/api/v1/enrollment-tokens", token: admin.token,
                json: try JSONEncoder().encode(["uses": 5, "expiresInHours": 2]))
            #expect(res.status == .created)
            struct Answer: Codable {
                var token: String
                var expiresAt: Date
                var uses: Int
                var company: String
                var serverKey: String
            }
            let answer = try res.content.decode(Answer.self)
            #expect(answer.token.hasPrefix("tse_"))
            #expect(answer.uses == 5)
            #expect(answer.serverKey.hasPrefix("ed25519:"), "so the install command can pin it")
            #expect(abs(answer.expiresAt.timeIntervalSinceNow - 7200) < 60)
            let rows = try await EnrollmentToken.query(on: cp.app.db).all()
            #expect(rows.count == 1)
            #expect(rows[0].tokenHash == SecretToken.storedHash(of: answer.token))
            #expect(rows[0].tokenHash != answer.token)
            #expect(rows[0].createdBy == "admin")

            let empty = try await cp.send(.POST, "/api/v1/enrollment-tokens", token: admin.token)
            #expect(empty.status == .created, "no body means one use, 24 hours")
            let bad = try await cp.send(
                .POST, "/api/v1/enrollment-tokens", token: admin.token,
                json: try JSONEncoder().encode(["uses": 0]))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.errorCode == "invalid_field")
        }
    }

    @Test(arguments: TestDatabase.available)
    func loginTokensAreStoredHashed(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            try await cp.makeTenant("ACME")
            let admin = try await cp.login("ACME")
            let rows = try await APIToken.query(on: cp.app.db).all()
            #expect(rows.map(\.tokenHash) == [SecretToken.storedHash(of: admin.token)])
            let op = try await Operator.query(on: cp.app.db).first()
            #expect(op?.passwordHash.hasPrefix("$2b$10$") == true, "bcrypt, cost 10")
        }
    }
}
