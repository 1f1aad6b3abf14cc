import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import ControlPlane

@Suite("Connection log")
struct ConnectionLogTests {
    /// Appends `count` ended sessions for `tenant` and returns their ids.
    @discardableResult
    func addSessions(_ cp: TestControlPlane, _ tenant: Tenant, count: Int, endedAt: Date = Date())
        async throws -> [UUID]
    {
        let op = try #require(
            try await Operator.query(on: cp.app.db).filter(\.$tenant.$id == tenant.requireID())
                .first())
        try await cp.makeDevice("pc-\(UUID().uuidString.prefix(6).lowercased())", of: tenant)
        let device = try #require(
            try await Device.query(on: cp.app.db).filter(\.$tenant.$id == tenant.requireID())
                .first())
        var ids: [UUID] = []
        for i in 0..<count {
            let s = RemoteSession(
                tenantID: try tenant.requireID(), operatorID: try op.requireID(),
                deviceID: try device.requireID(),
                operatorLogin: op.login, deviceName: device.connectionName, channel: .desktop,
                relayID: "relay-1", requestAddress: "192.0.2.\(i)")
            s.requestedAt = endedAt.addingTimeInterval(-60)
            s.startedAt = endedAt.addingTimeInterval(-59.5)
            s.endedAt = endedAt
            s.endReason = .operatorClosed
            s.bytesFromOperator = Int64(1000 + i)
            s.bytesFromAgent = Int64(50_000 + i)
            s.status = .ended
            try await s.create(on: cp.app.db)
            try await ConnectionLog(database: cp.app.db).append(s)
            ids.append(try s.requireID())
        }
        return ids
    }

    @Test(arguments: TestDatabase.available)
    func chainDetectsEditsAndDeletions(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let acme = try await cp.makeTenant("ACME")
            let globex = try await cp.makeTenant("GLOBEX")
            try await addSessions(cp, acme, count: 5)
            try await addSessions(cp, globex, count: 2)
            let log = ConnectionLog(database: cp.app.db)
            let clean = try await log.verify()
            #expect(clean.map(\.problems) == [[], []])
            #expect(clean.map(\.records) == [5, 2])

            // A record appended twice for the same session stays one record.
            let first = try #require(try await RemoteSession.query(on: cp.app.db).first())
            try await log.append(first)
            #expect(try await ConnectionRecord.query(on: cp.app.db).count() == 7)

            let sql = try #require(cp.app.db as? any SQLDatabase)
            // Someone lowers the bytes of record 3 of ACME.
            try await sql.raw(
                "UPDATE connection_log SET bytes_from_agent = 1 WHERE seq = 3 AND tenant_id = \(bind: acme.requireID())"
            ).run()
            var result = try await log.verify()
            #expect(result[0].problems == ["record 3 was changed after it was written"])
            #expect(result[1].problems.isEmpty, "another company's chain is unaffected")
            // …and deletes record 4 of GLOBEX's neighbour chain: ACME record 4.
            try await sql.raw(
                "DELETE FROM connection_log WHERE seq = 4 AND tenant_id = \(bind: acme.requireID())"
            ).run()
            result = try await log.verify()
            #expect(result[0].problems.contains("record 4…4 missing (deleted?)"))
            #expect(result[0].problems.contains("record 5 does not follow the record before it"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func purgeKeepsAYearAndTheChainStillVerifies(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let acme = try await cp.makeTenant("ACME")
            let now = Date()
            try await addSessions(
                cp, acme, count: 3, endedAt: now.addingTimeInterval(-400 * 86_400))
            try await addSessions(cp, acme, count: 2, endedAt: now.addingTimeInterval(-10 * 86_400))
            let log = ConnectionLog(database: cp.app.db)
            await #expect(throws: APIError.self) {
                try await log.purge(endedBefore: now.addingTimeInterval(-300 * 86_400))
            }
            #expect(
                try await ConnectionRecord.query(on: cp.app.db).count() == 5,
                "a refused purge removes nothing")
            let removed = try await log.purge(endedBefore: now.addingTimeInterval(-365 * 86_400))
            #expect(removed == 3)
            #expect(try await log.verify()[0].problems.isEmpty)
            // The chain goes on from the anchor.
            try await addSessions(cp, acme, count: 1)
            let after = try await log.verify()[0]
            #expect(after.problems.isEmpty && after.records == 3)
            let seqs = try await ConnectionRecord.query(on: cp.app.db).sort(\.$seq).all().map(\.seq)
            #expect(seqs == [4, 5, 6])
            // Deleting the oldest kept record is still noticed, anchor or not.
            let sql = try #require(cp.app.db as? any SQLDatabase)
            try await sql.raw("DELETE FROM connection_log WHERE seq = 4").run()
            #expect(!(try await log.verify()[0].problems.isEmpty))
        }
    }

    @Test(arguments: TestDatabase.available)
    func exportAsJSONAndCSVScopedToTheCaller(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let acme = try await cp.makeTenant("ACME")
            let globex = try await cp.makeTenant("GLOBEX")
            try await addSessions(cp, acme, count: 3)
            try await addSessions(cp, globex, count: 4)
            let admin = try await cp.login("ACME")
            let json = try await cp.send(.GET, "/api/v1/connection-log", token: admin.token)
            #expect(json.status == .ok)
            struct Row: Codable {
                var seq: Int
                var device: String
                var bytesFromAgent: Int
                var operatorAddress: String?
                var endReason: String
            }
            let rows = try JSONDecoder.iso.decode([Row].self, from: Data(buffer: json.body))
            #expect(rows.map(\.seq) == [1, 2, 3])
            #expect(rows.map(\.bytesFromAgent) == [50_000, 50_001, 50_002])
            #expect(rows[0].operatorAddress == "192.0.2.0")

            let csv = try await cp.send(
                .GET, "/api/v1/connection-log?format=csv", token: admin.token)
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == 4)
            #expect(lines[0].hasPrefix("seq,session_id,operator,device"))

            let empty = try await cp.send(
                .GET, "/api/v1/connection-log?from=2000-01-01&to=2000-01-02", token: admin.token)
            #expect(empty.body.string == "[]")
            let future = try await cp.send(
                .GET, "/api/v1/connection-log?from=2999-01-01", token: admin.token)
            #expect(future.body.string == "[]")
            let bad = try await cp.send(
                .GET, "/api/v1/connection-log?from=yesterday", token: admin.token)
            #expect(bad.errorCode == "invalid_field")
            let badFormat = try await cp.send(
                .GET, "/api/v1/connection-log?format=xml", token: admin.token)
            #expect(badFormat.errorCode == "invalid_field")
        }
    }

    @Test func csvEscapesQuotesAndFormulas() {
        #expect(ConnectionLogCSV.escape("plain") == "plain")
        #expect(ConnectionLogCSV.escape("a,b") == "\"a,b\"")
        #expect(ConnectionLogCSV.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ConnectionLogCSV.escape("=cmd()") == "'=cmd()")
        #expect(ConnectionLogCSV.escape("-pc") == "'-pc")
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
