import Foundation
import TestSupport
import Testing

/// Sessions requested while the server is killed with SIGKILL: every session the server
/// answered must have its connection-log record after the restart, and the chain must verify.
@Suite(.serialized)
struct SessionChurnEndToEndTests {
    @Test func killNineDuringSessionChurnLosesNoRecord() async throws {
        let stack = try Stack()
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("CHURN")
        try await stack.startEnrolledAgent(company: "CHURN")
        #expect(await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) }, "\(stack.live.log("agent.log"))")

        // Ask for sessions as fast as curl allows; SIGKILL the server in the middle.
        let answered = SessionIDs()
        let churn = Task.detached {
            for _ in 0..<200 {
                guard let reply = try? stack.http(
                    "POST", "/api/v1/sessions", json: #"{"device":"pc","password":"pc-password"}"#, token: token)
                else { continue }
                if reply.status == 201, let id = Stack.field("sessionId", in: reply.body) {
                    await answered.add(id)
                }
                if reply.status == 0 { return }  // the server is gone
            }
        }
        // Kill once a good number were answered (however loaded the machine is), at most 60 s.
        for _ in 0..<600 where await answered.ids.count < 12 {
            try await Task.sleep(for: .milliseconds(100))
        }
        let server = try #require(stack.serverProcess)
        kill(server.processIdentifier, SIGKILL)
        await churn.value
        let before = await answered.ids
        #expect(before.count >= 5, "the churn must have produced sessions before the kill")

        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let log = try stack.http("GET", "/api/v1/connection-log", token: token)
        #expect(log.status == 200)
        let records = (try? JSONSerialization.jsonObject(with: Data(log.body.utf8)) as? [[String: Any]]) ?? []
        let logged = Set(records.compactMap { $0["sessionId"] as? String })
        let missing = before.subtracting(logged)
        #expect(missing.isEmpty, "answered but not logged: \(missing.count) of \(before.count)")
        let reasons = Set(records.compactMap { $0["endReason"] as? String })
        #expect(reasons.contains("server_restart"), "\(reasons)")
        let verify = try stack.admin(["log", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("CHURN: \(records.count) records, chain intact"))
    }
}

/// Session ids the server answered with 201.
actor SessionIDs {
    private(set) var ids: Set<String> = []

    func add(_ id: String) { ids.insert(id) }
}
