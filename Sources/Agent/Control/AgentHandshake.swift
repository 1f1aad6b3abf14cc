import Crypto
import Foundation
import TsunaguCore

/// The agent's side of the control handshake as a state machine: it checks the server's
/// key against the pin and its signature before proving the device key.
struct AgentHandshake {
    enum State: Equatable {
        case idle
        case awaitingChallenge(clientNonce: String)
        case awaitingWelcome
        case online
        case failed
    }

    enum Action: Equatable {
        case send(ControlMessage)
        /// The server proved the key; pin it if nothing was pinned yet.
        case sendAndPin(ControlMessage, serverKey: String)
        case online(ControlMessage.Welcome)
        case heartbeatReceived
        /// The server offers a session.
        case offer(ControlMessage.Offer)
        /// The server ended a session.
        case endSession(ControlMessage.EndSession)
        /// The server stored a file-transfer record.
        case fileTransferRecorded(ControlMessage.FileTransferRecorded)
        case fail(AgentControlError)
    }

    private(set) var state = State.idle
    private let deviceKey: Curve25519.Signing.PrivateKey
    private let pinnedServerKey: String?
    private var hello: ControlMessage.Hello

    /// `hello` is sent as given except for the nonce and key, which the handshake fills in.
    init(deviceKey: Curve25519.Signing.PrivateKey, pinnedServerKey: String?, hello: ControlMessage.Hello) {
        self.deviceKey = deviceKey
        self.pinnedServerKey = pinnedServerKey
        self.hello = hello
    }

    mutating func start() -> ControlMessage {
        hello.clientNonce = ControlHandshakeBytes.makeNonce()
        hello.deviceKey = SigningKeyText.format(deviceKey.publicKey)
        state = .awaitingChallenge(clientNonce: hello.clientNonce)
        return .hello(hello)
    }

    mutating func received(_ message: ControlMessage) -> Action {
        switch (state, message) {
        case (.awaitingChallenge(let clientNonce), .challenge(let challenge)):
            guard let serverKey = SigningKeyText.parse(challenge.serverKey) else {
                return fail(.protocolViolation("the challenge carries no valid server key"))
            }
            if let pinned = pinnedServerKey, let pinnedKey = SigningKeyText.parse(pinned),
                pinnedKey.rawRepresentation != serverKey.rawRepresentation
            {
                return fail(
                    .serverKeyMismatch(
                        expected: SigningKeyText.fingerprint(pinnedKey),
                        got: SigningKeyText.fingerprint(serverKey)))
            }
            let signed = ControlHandshakeBytes.server(
                clientNonce: clientNonce, serverNonce: challenge.serverNonce)
            guard let signature = Data(base64Encoded: challenge.serverSignature),
                serverKey.isValidSignature(signature, for: signed)
            else {
                return fail(.protocolViolation("the server's signature does not verify"))
            }
            let proofBytes = ControlHandshakeBytes.agent(
                clientNonce: clientNonce, serverNonce: challenge.serverNonce,
                serverKey: challenge.serverKey, company: hello.company, name: hello.name)
            guard let proof = try? deviceKey.signature(for: proofBytes) else {
                return fail(.protocolViolation("cannot sign with the device key"))
            }
            state = .awaitingWelcome
            let reply = ControlMessage.proof(.init(signature: proof.base64EncodedString()))
            return pinnedServerKey == nil
                ? .sendAndPin(reply, serverKey: challenge.serverKey) : .send(reply)
        case (.awaitingWelcome, .welcome(let welcome)):
            state = .online
            return .online(welcome)
        case (_, .refused(let refusal)):
            return fail(.refused(code: refusal.code, message: refusal.message))
        case (.online, .heartbeat):
            return .heartbeatReceived
        case (.online, .offer(let offer)):
            return .offer(offer)
        case (.online, .endSession(let end)):
            return .endSession(end)
        case (.online, .fileTransferRecorded(let recorded)):
            return .fileTransferRecorded(recorded)
        default:
            return fail(.protocolViolation("unexpected message in state \(state)"))
        }
    }

    private mutating func fail(_ error: AgentControlError) -> Action {
        state = .failed
        return .fail(error)
    }
}
