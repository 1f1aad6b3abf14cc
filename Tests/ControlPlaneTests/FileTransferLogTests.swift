import Fluent
import Foundation
import Testing
import TsunaguCore
import Vapor
import VaporTesting

@testable import ControlPlane

/// The file-transfer log: what agents report over the control connection, checked against
/// their own sessions, kept once per id, shown to the company's admins (SQLite and PostgreSQL).
@Suite struct FileTransferLogTests {
    static let digest = String(repeating: "ab", count: 32)

    func record(
        session: String, id: UUID = UUID(),
        outcome: ControlMessage.FileTransferRecord.Outcome = .completed
    )
        -> ControlMessage.FileTransferRecord
    {
        .init(
            id: id.uuidString.lowercased(), session: session, operatorLogin: "someone-else",
            direction: .upload, path: "/home/ann/報告書.pdf", size: 1 << 30, bytesMoved: 1 << 29,
            resumedFrom: 1 << 29, sha256: Self.digest, outcome: outcome, failure: nil, detail: nil,
            endedAt: Date(timeIntervalSince1970: 1_780_000_000))
    }

    /// Sends `record` and waits for the server's confirmation (heartbeats skipped).
    func deliver(_ record: ControlMessage.FileTransferRecord, _ s: SessionTests.Setup) async throws
    {
        try await s.agent.send(.fileTransferred(record))
        while let message = try await s.agent.next() {
            if case .fileTransferRecorded(let recorded) = message {
                #expect(recorded.id == record.id)
                return
            }
        }
        Issue.record("the connection closed before the record was confirmed")
    }

    func rows(_ res: TestingHTTPResponse) throws -> [[String: Any]] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [[String: Any]],
            "\(res.body.string)")
    }

    func entries(_ s: SessionTests.Setup, token: String? = nil, query: String = "") async throws
        -> TestingHTTPResponse
    {
        try await s.cp.send(.GET, "/api/v1/file-transfers\(query)", token: token ?? s.admin.token)
    }

    @Test(arguments: TestDatabase.available)
    func aReportedTransferIsKeptOnceWithTheSessionsOperator(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let res = try await SessionTests().request(s)
            #expect(res.status == .created, "\(res.body.string)")
            guard case .offer(let offer) = try await s.agent.next() else {
                throw TestSetupError("the agent got no offer")
            }
            let sent = record(session: offer.session)
            try await deliver(sent, s)
            // Sent again after a reconnect: still one row.
            try await deliver(sent, s)
            let listed = try await entries(s)
            #expect(listed.status == .ok)
            let found = try rows(listed)
            #expect(found.count == 1, "\(listed.body.string)")
            let row = try #require(found.first)
            // The operator comes from the session, not from what the agent claims.
            #expect(row["operator"] as? String == "admin")
            #expect(row["device"] as? String == "pc")
            #expect(row["path"] as? String == "/home/ann/報告書.pdf")
            #expect(row["direction"] as? String == "upload")
            #expect(row["size"] as? Int == 1 << 30)
            #expect(row["resumedFrom"] as? Int == 1 << 29)
            #expect(row["sha256"] as? String == Self.digest)
            #expect(row["outcome"] as? String == "completed")

            let csv = try await entries(s, query: "?format=csv")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == 2, "\(csv.body.string)")
            #expect(lines.last?.contains("/home/ann/報告書.pdf") == true)
            #expect(lines.last?.contains(",upload,") == true)
            let bad = try await entries(s, query: "?format=xml")
            #expect(bad.status == .unprocessableEntity && bad.errorCode == "invalid_field")
            let range = try await entries(s, query: "?to=2020-01-01")
            #expect(try rows(range).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRecordForAnotherDevicesSessionIsConfirmedButNotKept(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            try await deliver(record(session: UUID().uuidString), s)
            try await deliver(record(session: "not-a-uuid"), s)
            var malformed = record(session: UUID().uuidString)
            malformed.id = "not-a-uuid"
            try await deliver(malformed, s)
            #expect(try rows(try await entries(s)).isEmpty)
            #expect(try await FileTransferEntry.query(on: s.cp.app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyTenantAdminsSeeTheLog(_ kind: TestDatabase) async throws {
        try await SessionTests().withSetup(kind) { s in
            let created = try await s.cp.send(
                .POST, "/api/v1/operators", token: s.admin.token,
                json: try JSONEncoder().encode([
                    "login": "bob", "password": "bob-password-1", "role": "operator",
                ]))
            #expect(created.status == .created, "\(created.body.string)")
            let bob = try await s.cp.login("ACME", "bob", "bob-password-1")
            let res = try await entries(s, token: bob.token)
            #expect(res.status == .forbidden)
            #expect(res.errorCode == "admin_required")
        }
    }
}
