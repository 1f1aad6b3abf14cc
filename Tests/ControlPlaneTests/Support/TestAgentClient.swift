import Crypto
import Foundation
import NIOCore
import NIOPosix
import Testing
import TsunaguCore
import Vapor

/// A minimal agent written against the wire format alone, so the server's side of the
/// control connection is tested without the agent's code.
final class TestAgentClient: Sendable {
    let key: Curve25519.Signing.PrivateKey
    private let socket: WebSocket
    private let frames: AsyncStream<String>

    private init(key: Curve25519.Signing.PrivateKey, socket: WebSocket, frames: AsyncStream<String>)
    {
        self.key = key
        self.socket = socket
        self.frames = frames
    }

    static func connect(
        port: Int, key: Curve25519.Signing.PrivateKey = .init(), group: any EventLoopGroup
    )
        async throws -> TestAgentClient
    {
        let (frames, input) = AsyncStream.makeStream(of: String.self)
        let (sockets, socketInput) = AsyncStream.makeStream(of: WebSocket.self)
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/api/v1/agent/ws", on: group) {
            socket in
            socket.onText { _, text in input.yield(text) }
            socket.onClose.whenComplete { _ in input.finish() }
            socketInput.yield(socket)
            socketInput.finish()
        }.get()
        var iterator = sockets.makeAsyncIterator()
        guard let socket = await iterator.next() else { throw TestSetupError("no socket") }
        return TestAgentClient(key: key, socket: socket, frames: frames)
    }

    func send(_ message: ControlMessage) async throws {
        try await socket.send(try message.jsonText())
    }

    func sendRaw(_ text: String) async throws {
        try await socket.send(text)
    }

    /// The next message, or nil when the server closed.
    func next() async throws -> ControlMessage? {
        var iterator = frames.makeAsyncIterator()
        guard let text = await iterator.next() else { return nil }
        return try ControlMessage.parse(text)
    }

    func close() async {
        try? await socket.close()
    }

    /// Runs the whole handshake; returns the server's last word (`welcome` or `refused`).
    func handshake(
        company: String, name: String, enrollToken: String? = nil, password: String? = nil,
        signWith signer: Curve25519.Signing.PrivateKey? = nil, runID: String? = nil
    ) async throws -> ControlMessage? {
        let nonce = ControlHandshakeBytes.makeNonce()
        try await send(
            .hello(
                .init(
                    company: company, name: name, deviceKey: SigningKeyText.format(key.publicKey),
                    clientNonce: nonce, agentVersion: "test",
                    os: .init(name: "Debian GNU/Linux", version: "12", hostname: "test-host"),
                    mode: "unattended", enrollToken: enrollToken, connectionPassword: password,
                    runID: runID)))
        guard case .challenge(let challenge) = try await next() else { return nil }
        let serverKey = try #require(SigningKeyText.parse(challenge.serverKey))
        let serverSigned = ControlHandshakeBytes.server(
            clientNonce: nonce, serverNonce: challenge.serverNonce)
        guard
            serverKey.isValidSignature(
                Data(base64Encoded: challenge.serverSignature)!, for: serverSigned)
        else {
            throw TestSetupError("server signature does not verify")
        }
        let bytes = ControlHandshakeBytes.agent(
            clientNonce: nonce, serverNonce: challenge.serverNonce, serverKey: challenge.serverKey,
            company: company, name: name)
        let signature = try (signer ?? key).signature(for: bytes)
        try await send(.proof(.init(signature: signature.base64EncodedString())))
        return try await next()
    }
}
