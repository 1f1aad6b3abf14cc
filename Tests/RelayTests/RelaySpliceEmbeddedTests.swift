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
            SessionTicket(session: "s", channel: .desktop, role: role, relay: "r"))
    }

    private func activate(_ channel: NIOAsyncTestingChannel) async throws {
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
    }

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

    /// The next frame the relay wrote to `channel`, read from its raw bytes.
    private func nextFrame(
        _ channel: NIOAsyncTestingChannel, _ reader: inout WebSocketWire.ServerFrameReader
    ) async throws -> (opcode: WebSocketOpcode, fin: Bool, payload: [UInt8]) {
        while true {
            if let frame = reader.next() { return frame }
            reader.append(try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        }
    }

    @Test func webSocketPeerThroughTheUpgradeHook() async throws {
        let (relay, signer) = await makeRelay()
        let loop = NIOAsyncTestingEventLoop()
        let op = NIOAsyncTestingChannel(loop: loop)
        let agent = NIOAsyncTestingChannel(loop: loop)
        try await relay.configureWebSocketPeer(op).get()
        try await relay.configureTCPPeer(agent).get()
        try await activate(op)
        try await activate(agent)
        var fromRelay = WebSocketWire.ServerFrameReader()

        try await op.writeInbound(
            ByteBuffer(bytes: WebSocketWire.clientFrame(opcode: 0x9, payload: Array("p".utf8))))
        let pong = try await nextFrame(op, &fromRelay)
        #expect(pong.opcode == .pong && pong.payload == Array("p".utf8))

        let opTicket = try await ticket(signer, .operator)
        try await op.writeInbound(
            ByteBuffer(bytes: WebSocketWire.clientFrame(opcode: 0x1, payload: Array(opTicket.utf8)))
        )
        #expect(
            String(decoding: try await nextFrame(op, &fromRelay).payload, as: UTF8.self)
                == RelayHandshake.waitingJSON)
        try await agent.writeInbound(
            ByteBuffer(string: "TSUNAGU-RELAY/1 \(try await ticket(signer, .agent))\n"))
        #expect(
            String(decoding: try await nextFrame(op, &fromRelay).payload, as: UTF8.self)
                == RelayHandshake.pairedJSON)
        _ = try await agent.waitForOutboundWrite(as: ByteBuffer.self)

        // A masked binary frame reaches the agent unmasked, its first half before the rest of
        // the frame has arrived.
        let frame = WebSocketWire.clientFrame(opcode: 0x2, payload: Array("hello world".utf8))
        try await op.writeInbound(ByteBuffer(bytes: frame.prefix(11)))
        #expect(
            String(buffer: try await agent.waitForOutboundWrite(as: ByteBuffer.self)) == "hello")
        try await op.writeInbound(ByteBuffer(bytes: frame.dropFirst(11)))
        #expect(
            String(buffer: try await agent.waitForOutboundWrite(as: ByteBuffer.self)) == " world")

        // 160 KiB from the agent leave as frames of at most 64 KiB.
        try await agent.writeInbound(ByteBuffer(repeating: 1, count: 160 << 10))
        var sizes: [Int] = []
        while sizes.reduce(0, +) < 160 << 10 {
            let frame = try await nextFrame(op, &fromRelay)
            #expect(frame.opcode == .binary && frame.fin)
            sizes.append(frame.payload.count)
        }
        #expect(sizes == [64 << 10, 64 << 10, 32 << 10])

        // The peer's close is echoed and both ends close.
        try await op.writeInbound(
            ByteBuffer(bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xE9])))
        let echo = try await nextFrame(op, &fromRelay)
        #expect(echo.opcode == .connectionClose && echo.payload == [0x03, 0xE9])
        _ = try? await op.finish()
        _ = try? await agent.finish()
    }

    @Test func brokenFramingClosesWithProtocolError() async throws {
        let (relay, _) = await makeRelay()
        let op = NIOAsyncTestingChannel()
        try await relay.configureWebSocketPeer(op).get()
        try await activate(op)
        var fromRelay = WebSocketWire.ServerFrameReader()
        try await op.writeInbound(
            ByteBuffer(bytes: WebSocketWire.clientFrame(opcode: 0x2, payload: [1], masked: false)))
        let close = try await nextFrame(op, &fromRelay)
        #expect(close.opcode == .connectionClose && close.payload == [0x03, 0xEA])
        _ = try? await op.finish()
    }
}
