import Crypto
import Foundation
import Testing
import TsunaguCore

@Suite("Control messages")
struct ControlMessageTests {
    @Test func everyMessageRoundTrips() throws {
        let messages: [ControlMessage] = [
            .hello(
                .init(
                    company: "ACME", name: "pc", deviceKey: "ed25519:AAAA", clientNonce: "n1",
                    agentVersion: "1", os: .init(name: "Debian", version: "12", hostname: "h"),
                    mode: "attended", enrollToken: "tse_x", connectionPassword: "secret-pass")),
            .challenge(.init(serverKey: "ed25519:BBBB", serverNonce: "n2", serverSignature: "sig")),
            .proof(.init(signature: "sig2")),
            .welcome(.init(company: "ACME", name: "pc", enrolled: true, heartbeatSeconds: 10)),
            .refused(.init(code: "unknown_device", message: "no")),
            .heartbeat(.init()),
            .offer(
                .init(
                    session: "s", channel: .desktop, relayURL: "wss://r/relay/v1", ticket: "t",
                    operatorLogin: "alice", company: "ACME", attended: true)),
            .offerAnswer(.init(session: "s", accepted: false, reason: .declined)),
            .endSession(.init(session: "s")),
        ]
        for message in messages {
            let text = try message.jsonText()
            #expect(try ControlMessage.parse(text) == message)
        }
        #expect(try ControlMessage.heartbeat(.init()).jsonText() == #"{"type":"heartbeat"}"#)
    }

    @Test func badInputIsAnErrorNotACrash() {
        for text in [
            "", "{", "[]", #"{"type":"nope"}"#, #"{"type":"hello"}"#, #"{"type":1}"#, "null",
        ] {
            #expect(throws: (any Error).self, "\(text)") { try ControlMessage.parse(text) }
        }
        let huge =
            #"{"type":"proof","signature":""# + String(repeating: "A", count: 20_000) + #""}"#
        #expect(throws: (any Error).self) { try ControlMessage.parse(huge) }
    }

    @Test func keyTextRoundTripsAndRejectsJunk() {
        let key = Curve25519.Signing.PrivateKey().publicKey
        let text = SigningKeyText.format(key)
        #expect(text.hasPrefix("ed25519:"))
        #expect(SigningKeyText.parse(text)?.rawRepresentation == key.rawRepresentation)
        #expect(SigningKeyText.parse(" \(text)\n")?.rawRepresentation == key.rawRepresentation)
        #expect(SigningKeyText.parse("ed25519:AAAA") == nil)
        #expect(SigningKeyText.parse("not base64!") == nil)
        #expect(SigningKeyText.fingerprint(key).count == 16)
    }

    @Test func signedBytesBindEveryField() {
        let base = ControlHandshakeBytes.agent(
            clientNonce: "c", serverNonce: "s", serverKey: "k", company: "A", name: "n")
        let variants = [
            ControlHandshakeBytes.agent(
                clientNonce: "x", serverNonce: "s", serverKey: "k", company: "A", name: "n"),
            ControlHandshakeBytes.agent(
                clientNonce: "c", serverNonce: "x", serverKey: "k", company: "A", name: "n"),
            ControlHandshakeBytes.agent(
                clientNonce: "c", serverNonce: "s", serverKey: "x", company: "A", name: "n"),
            ControlHandshakeBytes.agent(
                clientNonce: "c", serverNonce: "s", serverKey: "k", company: "B", name: "n"),
            ControlHandshakeBytes.agent(
                clientNonce: "c", serverNonce: "s", serverKey: "k", company: "A", name: "m"),
            ControlHandshakeBytes.server(clientNonce: "c", serverNonce: "s"),
        ]
        for variant in variants { #expect(variant != base) }
        #expect(ControlHandshakeBytes.makeNonce() != ControlHandshakeBytes.makeNonce())
    }
}
