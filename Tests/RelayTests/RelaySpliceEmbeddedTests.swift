import Crypto
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import TsunaguCore

@testable import Relay

/// The framing handlers and the splice on testing channels (no sockets), through the same
/// hooks the listeners and the control plane's upgrader use.
@Suite struct RelaySpliceEmbeddedTests {
    let key = Curve25519.Signing.PrivateKey()

    private func makeRelay() async -> (Relay, TicketSigner) {
        let relay = await Relay(
            configuration: RelayConfiguration(serverKey: key.publicKey, relayID: "r"))
        return (relay, await TicketSigner(privateKey: key))
    }

    private func ticket(_ signer: TicketSigner, _ role: SessionTicket.Role) async throws -> String {
        try await signer.sign(
            SessionTicket(session: "s", channel: "desktop", role: role, relay: "r"))
    }

    private func activate(_ channel: NIOAsyncTestingChannel) async throws {
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
    }

    private func text(_ frame: WebSocketFrame) -> String { String(buffer: frame.data) }

    @Test func tcpToTCPOnOneLoop() async throws {
        let (relay, signer) = await makeRelay()
        let loop = NIOAsyncTestingEventLoop()
        let op = NIOAsyncTestingChannel(loop: loop)
        let agent = NIOAsyncTestingChannel(loop: loop)
        for channel in [op, agent] {
            try await relay.configureTCPPeer(channel).get()
            try await activate(channel)
        }
        try await op.writeInbound(
            ByteBuffer(string: "TSUNAGU-RELAY/1 \(try await ticket(signer, .operator))\n"))
        #expect(
            String(buffer: try await op.waitForOutboundWrite(as: ByteBuffer.self)) == "WAITING\n")
        // The agent's greeting and its first payload arrive in one read.
        try await agent.writeInbound(
            ByteBuffer(string: "TSUNAGU-RELAY/1 \(try await ticket(signer, .agent))\nRFB"))
        #expect(
            String(buffer: try await agent.waitForOutboundWrite(as: ByteBuffer.self)) == "PAIRED\n")
        #expect(
            String(buffer: try await op.waitForOutboundWrite(as: ByteBuffer.self)) == "PAIRED\n")
        #expect(String(buffer: try await op.waitForOutboundWrite(as: ByteBuffer.self)) == "RFB")
        // The greeting handler has left; payload passes untouched both ways.
        await #expect(throws: (any Error).self) {
            try await op.pipeline.containsHandler(type: TCPFramingHandler.self).get()
        }
        try await op.writeInbound(ByteBuffer(string: "TSUNAGU-RELAY/1 not a greeting now"))
        #expect(
            String(buffer: try await agent.waitForOutboundWrite(as: ByteBuffer.self))
                == "TSUNAGU-RELAY/1 not a greeting now")
        #expect(relay.stats.bytesFromOperator == 34)
        #expect(relay.stats.bytesFromAgent == 3)
        _ = try? await op.finish()
        _ = try? await agent.finish()
    }

    @Test func webSocketPeerThroughTheEmbeddingHook() async throws {
        let (relay, signer) = await makeRelay()
        let loop = NIOAsyncTestingEventLoop()
        let op = NIOAsyncTestingChannel(loop: loop)
        let agent = NIOAsyncTestingChannel(loop: loop)
        try await relay.configureWebSocketPeer(op).get()
        try await relay.configureTCPPeer(agent).get()
        try await activate(op)
        try await activate(agent)

        try await op.writeInbound(
            WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "p")))
        let pong = try await op.waitForOutboundWrite(as: WebSocketFrame.self)
        #expect(pong.opcode == .pong && text(pong) == "p")

        try await op.writeInbound(
            WebSocketFrame(
                fin: true, opcode: .text,
                data: ByteBuffer(string: try await ticket(signer, .operator))))
        #expect(
            text(try await op.waitForOutboundWrite(as: WebSocketFrame.self))
                == RelayHandshake.waitingJSON)
        try await agent.writeInbound(
            ByteBuffer(string: "TSUNAGU-RELAY/1 \(try await ticket(signer, .agent))\n"))
        #expect(
            text(try await op.waitForOutboundWrite(as: WebSocketFrame.self))
                == RelayHandshake.pairedJSON)
        _ = try await agent.waitForOutboundWrite(as: ByteBuffer.self)

        // A masked binary frame reaches the agent unmasked.
        let mask = WebSocketMaskingKey.random()
        var masked = ByteBuffer(string: "hello")
        masked.webSocketMask(mask)
        try await op.writeInbound(
            WebSocketFrame(fin: true, opcode: .binary, maskKey: mask, data: masked))
        #expect(
            String(buffer: try await agent.waitForOutboundWrite(as: ByteBuffer.self)) == "hello")

        // 160 KiB from the agent leave as frames of at most 64 KiB.
        try await agent.writeInbound(ByteBuffer(repeating: 1, count: 160 << 10))
        var sizes: [Int] = []
        while sizes.reduce(0, +) < 160 << 10 {
            let frame = try await op.waitForOutboundWrite(as: WebSocketFrame.self)
            #expect(frame.opcode == .binary && frame.fin)
            sizes.append(frame.data.readableBytes)
        }
        #expect(sizes == [64 << 10, 64 << 10, 32 << 10])

        // The peer's close is echoed and both ends close.
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .goingAway)
        try await op.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        let echo = try await op.waitForOutboundWrite(as: WebSocketFrame.self)
        #expect(echo.opcode == .connectionClose)
        _ = try? await op.finish()
        _ = try? await agent.finish()
    }
}
