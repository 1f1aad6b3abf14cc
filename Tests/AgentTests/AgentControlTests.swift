import Crypto
import Foundation
import Testing
import TsunaguCore

@testable import Agent

@Suite("Agent control connection (agent side)")
struct AgentControlTests {
    let deviceKey = Curve25519.Signing.PrivateKey()
    let serverKey = Curve25519.Signing.PrivateKey()

    func hello() -> ControlMessage.Hello {
        .init(
            company: "ACME", name: "pc", deviceKey: "", clientNonce: "", agentVersion: "t",
            os: .init(name: "Debian", version: "12", hostname: "h"), mode: "unattended")
    }

    func challenge(
        for nonce: String, signedBy key: Curve25519.Signing.PrivateKey,
        claiming claimed: Curve25519.Signing.PrivateKey? = nil
    ) throws
        -> ControlMessage
    {
        let serverNonce = ControlHandshakeBytes.makeNonce()
        let signature = try key.signature(
            for: ControlHandshakeBytes.server(clientNonce: nonce, serverNonce: serverNonce))
        return .challenge(
            .init(
                serverKey: SigningKeyText.format((claimed ?? key).publicKey),
                serverNonce: serverNonce,
                serverSignature: signature.base64EncodedString()))
    }

    @Test func provesTheDeviceKeyAndPinsOnFirstUse() throws {
        var handshake = AgentHandshake(deviceKey: deviceKey, pinnedServerKey: nil, hello: hello())
        guard case .hello(let sent) = handshake.start() else {
            Issue.record("hello first")
            return
        }
        #expect(sent.deviceKey == SigningKeyText.format(deviceKey.publicKey))
        let message = try challenge(for: sent.clientNonce, signedBy: serverKey)
        guard case .challenge(let c) = message,
            case .sendAndPin(.proof(let proof), let pinned) = handshake.received(message)
        else {
            Issue.record("expected a proof to send and a key to pin")
            return
        }
        #expect(pinned == SigningKeyText.format(serverKey.publicKey))
        let bytes = ControlHandshakeBytes.agent(
            clientNonce: sent.clientNonce, serverNonce: c.serverNonce, serverKey: c.serverKey,
            company: "ACME", name: "pc")
        #expect(
            deviceKey.publicKey.isValidSignature(Data(base64Encoded: proof.signature)!, for: bytes))
        let welcome = ControlMessage.Welcome(
            company: "ACME", name: "pc", enrolled: false, heartbeatSeconds: 10)
        #expect(handshake.received(.welcome(welcome)) == .online(welcome))
        #expect(handshake.received(.heartbeat(.init())) == .heartbeatReceived)
    }

    @Test func refusesAnotherServerKeyOrABadSignature() throws {
        let pinned = SigningKeyText.format(serverKey.publicKey)
        var handshake = AgentHandshake(
            deviceKey: deviceKey, pinnedServerKey: pinned, hello: hello())
        guard case .hello(let sent) = handshake.start() else {
            Issue.record("the handshake did not start with a hello")
            return
        }
        let impostor = Curve25519.Signing.PrivateKey()
        guard
            case .fail(.serverKeyMismatch) = handshake.received(
                try challenge(for: sent.clientNonce, signedBy: impostor))
        else {
            Issue.record("a different key must be refused")
            return
        }
        // The right key claimed, but signed by someone else.
        var second = AgentHandshake(deviceKey: deviceKey, pinnedServerKey: pinned, hello: hello())
        guard case .hello(let sent2) = second.start() else {
            Issue.record("the handshake did not start with a hello")
            return
        }
        guard
            case .fail(.protocolViolation) = second.received(
                try challenge(for: sent2.clientNonce, signedBy: impostor, claiming: serverKey))
        else {
            Issue.record("a forged signature must be refused")
            return
        }
        // A refusal is passed on with its code.
        var third = AgentHandshake(deviceKey: deviceKey, pinnedServerKey: nil, hello: hello())
        _ = third.start()
        #expect(
            third.received(.refused(.init(code: "unknown_device", message: "m")))
                == .fail(.refused(code: "unknown_device", message: "m")))
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        var backoff = ReconnectBackoff()
        var delays: [Duration] = []
        for _ in 0..<12 { delays.append(backoff.nextDelay()) }
        #expect(delays[0] >= .milliseconds(250) && delays[0] <= .milliseconds(500))
        #expect(delays[3] >= .seconds(2) && delays[3] <= .seconds(4))
        #expect(delays.allSatisfy { $0 <= .seconds(30) })
        #expect(delays.suffix(4).allSatisfy { $0 >= .seconds(15) })
        backoff.reset()
        #expect(backoff.nextDelay() <= .milliseconds(500))
        // Jitter: many agents do not all pick the same delay.
        let spread = Set(
            (0..<20).map { _ -> Duration in
                var b = ReconnectBackoff()
                for _ in 0..<5 { _ = b.nextDelay() }
                return b.nextDelay()
            })
        #expect(spread.count > 10)
    }

    @Test func stateDirectoryKeepsTheKeyAndThePin() throws {
        let dir = NSTemporaryDirectory() + "tsunagu-state-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = try AgentStateDirectory(path: dir)
        let key = try state.deviceKey()
        #expect(
            try AgentStateDirectory(path: dir).deviceKey().rawRepresentation
                == key.rawRepresentation)
        let attributes = try FileManager.default.attributesOfItem(
            atPath: dir + "/device-key.ed25519")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(state.pinnedServerKey() == nil)
        try state.pinServerKey("ed25519:abc")
        #expect(state.pinnedServerKey() == "ed25519:abc")
        try "garbage".write(toFile: dir + "/device-key.ed25519", atomically: true, encoding: .utf8)
        #expect(throws: AgentControlError.self) { try state.deviceKey() }
    }

    @Test func plainWebSocketOnlyToLoopback() throws {
        func url(_ server: String) throws -> URL {
            try ControlClientConfiguration(
                serverURL: server, company: "A", name: "n", connectionPassword: nil,
                enrollToken: nil,
                mode: "attended", serverKey: nil,
                stateDirectory: try AgentStateDirectory(
                    path: NSTemporaryDirectory() + "s-\(UUID())")
            ).controlURL()
        }
        #expect(
            try url("https://support.example").absoluteString
                == "wss://support.example/api/v1/agent/ws")
        #expect(
            try url("http://127.0.0.1:8080").absoluteString == "ws://127.0.0.1:8080/api/v1/agent/ws"
        )
        #expect(throws: AgentControlError.self) { try url("http://support.example") }
        #expect(throws: AgentControlError.self) { try url("ftp://x") }
    }

    @Test func consentCommandDecides() async {
        let yes = ConsentPrompt(
            command: "test \"$TSUNAGU_OPERATOR\" = alice", display: nil, timeout: .seconds(5))
        #expect(await yes.ask(operatorLogin: "alice", company: "A", session: "s") == .accepted)
        #expect(await yes.ask(operatorLogin: "mallory", company: "A", session: "s") == .declined)
        let silent = ConsentPrompt(command: "sleep 30", display: nil, timeout: .milliseconds(300))
        #expect(await silent.ask(operatorLogin: "a", company: "A", session: "s") == .noAnswer)
    }
}
