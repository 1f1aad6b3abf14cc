import Foundation
import TsunaguCore

/// The server's side of one agent control connection, as a state machine: it checks the
/// order of messages and the signatures; the session performs the returned actions
/// (database work, sending, closing).
struct AgentControlStateMachine {
    private enum State {
        case awaitingHello
        case awaitingProof(ControlMessage.Hello, serverNonce: String)
        case admitting
        case online
        case closed
    }

    /// What the caller must do next.
    enum Action: Equatable {
        case send(ControlMessage)
        /// The proof is good: look the device up (or enroll it), then call `admitted` or `refused`.
        case admit(ControlMessage.Hello)
        /// Note the heartbeat (last seen).
        case touch
        /// The agent answered a session offer.
        case offerAnswered(ControlMessage.OfferAnswer)
        /// The agent reports a file transfer: store it, then confirm it by id.
        case fileTransferred(ControlMessage.FileTransferRecord)
        /// The agent is ending one of its sessions, for this reason.
        case agentEndedSession(ControlMessage.EndSession)
        /// Send this refusal and close.
        case refuse(ControlMessage.Refusal)
    }

    private var state = State.awaitingHello
    private let identity: ServerIdentity

    init(identity: ServerIdentity) {
        self.identity = identity
    }

    /// True once the device is admitted and heartbeats count.
    var isOnline: Bool {
        if case .online = state { return true }
        return false
    }

    mutating func received(_ message: ControlMessage) -> Action {
        switch (state, message) {
        case (.awaitingHello, .hello(let hello)):
            guard SigningKeyText.parse(hello.deviceKey) != nil, !hello.clientNonce.isEmpty,
                hello.clientNonce.count <= 128
            else {
                return refuse("protocol_error", "The hello carries no valid device key or nonce.")
            }
            let serverNonce = ControlHandshakeBytes.makeNonce()
            let signed = ControlHandshakeBytes.server(
                clientNonce: hello.clientNonce, serverNonce: serverNonce)
            guard let signature = try? identity.privateKey.signature(for: signed) else {
                return refuse("internal_error", "The server could not sign its challenge.")
            }
            state = .awaitingProof(hello, serverNonce: serverNonce)
            return .send(
                .challenge(
                    .init(
                        serverKey: identity.publicKeyText, serverNonce: serverNonce,
                        serverSignature: signature.base64EncodedString())))
        case (.awaitingProof(let hello, let serverNonce), .proof(let proof)):
            let signed = ControlHandshakeBytes.agent(
                clientNonce: hello.clientNonce, serverNonce: serverNonce,
                serverKey: identity.publicKeyText, company: hello.company, name: hello.name)
            guard let key = SigningKeyText.parse(hello.deviceKey),
                let signature = Data(base64Encoded: proof.signature),
                key.isValidSignature(signature, for: signed)
            else {
                return refuse("bad_signature", "The device key's signature does not verify.")
            }
            state = .admitting
            return .admit(hello)
        case (.online, .heartbeat):
            return .touch
        case (.online, .offerAnswer(let answer)):
            return .offerAnswered(answer)
        case (.online, .fileTransferred(let record)):
            return .fileTransferred(record)
        case (.online, .endSession(let end)):
            return .agentEndedSession(end)
        case (.closed, _):
            return .refuse(.init(code: "closed", message: "The connection is closed."))
        default:
            return refuse("protocol_error", "Unexpected control message in this state.")
        }
    }

    /// The device passed admission.
    mutating func admitted(_ welcome: ControlMessage.Welcome) -> Action {
        state = .online
        return .send(.welcome(welcome))
    }

    /// Admission failed.
    mutating func refused(code: String, message: String) -> Action {
        refuse(code, message)
    }

    private mutating func refuse(_ code: String, _ message: String) -> Action {
        state = .closed
        return .refuse(.init(code: code, message: message))
    }
}
