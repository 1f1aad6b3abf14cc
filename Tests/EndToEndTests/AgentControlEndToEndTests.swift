import Crypto
import Foundation
import TestSupport
import Testing

/// The agent's outbound control connection with real processes: enrollment, presence,
/// surviving a server restart, and refusing a server whose key does not match.
@Suite(.serialized)
struct AgentControlEndToEndTests {
    @Test func binariesAndToolsAreThere() {
        #expect(Stack.serverBinary != nil && Stack.agentBinary != nil, "swift build first")
        #expect(LiveProcesses.which("Xvfb") != nil && LiveProcesses.which("curl") != nil)
    }

    @Test func enrollComeOnlineSurviveARestart() async throws {
        let stack = try Stack()
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("E2E")
        let enroll = try stack.admin(["enroll-token", "create", "--company", "E2E"])
        let enrollToken = enroll.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(enrollToken.hasPrefix("tse_"))
        let display = try await stack.startDesktop()
        let state = stack.live.path("agent-state")
        let agent = try stack.startAgent(
            company: "E2E", name: "front-desk", display: display, stateDir: state, enrollToken: enrollToken)

        #expect(await stack.live.wait(timeout: 20) { stack.isOnline("front-desk", token: token) },
            "agent: \(stack.live.log("agent.log"))")
        #expect(agent.isRunning)
        #expect(FileManager.default.fileExists(atPath: state + "/server-key.pub"), "trust on first use pins the key")

        // The server goes away: the device is offline once the server is back without the agent…
        stack.stopServer()
        #expect(try await stack.startServer())
        // …and the agent comes back by itself (backoff is capped at 30 s; it starts at 0.5 s).
        let restarted = Date()
        #expect(await stack.live.wait(timeout: 35) { stack.isOnline("front-desk", token: token) },
            "agent: \(stack.live.log("agent.log"))")
        #expect(Date().timeIntervalSince(restarted) < 35)
        // It did not need the (single-use) enrollment token again.
        #expect(agent.isRunning)

        // The agent stops: the device goes offline.
        stack.live.stop(agent)
        #expect(await stack.live.wait(timeout: 10) { !stack.isOnline("front-desk", token: token) })
    }

    @Test func aServerWithAnotherKeyIsRefused() async throws {
        let stack = try Stack()
        #expect(try await stack.startServer())
        _ = try stack.makeCompany("PIN")
        let enrollToken = try stack.admin(["enroll-token", "create", "--company", "PIN"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let display = try await stack.startDesktop()
        let otherKey = "ed25519:" + Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        let agent = try stack.startAgent(
            company: "PIN", name: "pc", display: display, stateDir: stack.live.path("pin-state"),
            enrollToken: enrollToken, serverKey: otherKey, log: "pinned.log")
        #expect(await stack.live.wait(timeout: 20) { !agent.isRunning })
        #expect(agent.terminationStatus != 0)
        #expect(stack.live.log("pinned.log").contains("does not match the pinned key"))

        // An agent that is not enrolled and has no token is told why and stops.
        let stranger = try stack.startAgent(
            company: "PIN", name: "stranger", display: display, stateDir: stack.live.path("s-state"), log: "stranger.log")
        #expect(await stack.live.wait(timeout: 20) { !stranger.isRunning })
        #expect(stack.live.log("stranger.log").contains("unknown_device"))
    }
}
