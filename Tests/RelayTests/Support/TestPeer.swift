import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import TsunaguCore

/// A client of the relay for tests, over raw TCP or WebSocket, on 127.0.0.1. It records what
/// the relay says and sends in an inbox that the test polls.
final class TestPeer: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// A handshake answer, whatever the transport.
    enum Status: Equatable, Sendable {
        case waiting, paired
        case error(String)
    }

    struct Inbox: Sendable {
        var statuses: [String] = []
        var payload: [UInt8] = []
        var pongs = 0
        var closed = false
        /// TCP: status lines end at PAIRED or ERROR; then all is payload.
        var inHandshake = true
        var pending: [UInt8] = []
    }

    let channel: Channel
    let inbox: NIOLockedValueBox<Inbox>
    let isWebSocket: Bool

    private init(channel: Channel, inbox: NIOLockedValueBox<Inbox>, isWebSocket: Bool) {
        self.channel = channel
        self.inbox = inbox
        self.isWebSocket = isWebSocket
    }

    /// Connects over TCP (through TLS with `tls`) and sends `greeting` (by default the
    /// greeting with `ticket`).
    static func connectTCP(
        port: Int, ticket: String, greeting: String? = nil, tls: NIOSSLContext? = nil
    ) async throws -> TestPeer {
        let inbox = NIOLockedValueBox(Inbox())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ReadGate(), RawCollector(inbox: inbox, parsesStatusLines: true),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let line = greeting ?? (RelayHandshake.tcpPrefix + ticket + "\n")
        try await channel.writeAndFlush(ByteBuffer(string: line))
        return TestPeer(channel: channel, inbox: inbox, isWebSocket: false)
    }

    /// Connects, upgrades to WebSocket on `path` and sends `ticket` as a text frame (unless
    /// nil).
    static func connectWebSocket(port: Int, ticket: String?, path: String = "/relay/v1")
        async throws -> TestPeer
    {
        let inbox = NIOLockedValueBox(Inbox())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ReadGate(), RawCollector(inbox: inbox, parsesStatusLines: false),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let peer = TestPeer(channel: channel, inbox: inbox, isWebSocket: true)
        let response = try await peer.poll("the upgrade response") { inbox -> String? in
            guard let end = inbox.payload.firstRange(of: Array("\r\n\r\n".utf8)) else {
                return nil
            }
            return String(decoding: inbox.payload[..<end.upperBound], as: UTF8.self)
        }
        guard response.hasPrefix("HTTP/1.1 101") else {
            throw Failure("not upgraded: \(response.prefix(40))")
        }
        inbox.withLockedValue { $0.payload = [] }
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            _ = sync.removeHandler(context: try sync.context(handlerType: RawCollector.self))
            try sync.addHandlers([
                WebSocketFrameEncoder(),
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 24)),
                FrameCollector(inbox: inbox),
            ])
        }.get()
        if let ticket { try await peer.sendText(ticket) }
        return peer
    }

    /// The next handshake answer.
    func status(within seconds: Double = 5) async throws -> Status {
        let text = try await poll("a status", within: seconds) { inbox -> String? in
            inbox.statuses.isEmpty ? nil : inbox.statuses.removeFirst()
        }
        return Self.parseStatus(text)
    }

    static func parseStatus(_ text: String) -> Status {
        switch text {
        case "WAITING", RelayHandshake.waitingJSON: return .waiting
        case "PAIRED", RelayHandshake.pairedJSON: return .paired
        default:
            if text.hasPrefix("ERROR ") {
                return .error(String(text.dropFirst(6).prefix { $0 != " " }))
            }
            if let data = text.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let error = object["error"] as? [String: Any], let code = error["code"] as? String
            {
                return .error(code)
            }
            return .error("unparsed: \(text)")
        }
    }

    /// Sends payload: a binary frame on WebSocket, raw bytes on TCP.
    func send(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await send(buffer)
    }

    func send(_ buffer: ByteBuffer) async throws {
        if isWebSocket {
            try await channel.writeAndFlush(
                WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: buffer))
        } else {
            try await channel.writeAndFlush(buffer)
        }
    }

    /// Sends a WebSocket frame as is.
    func send(frame: WebSocketFrame) async throws {
        try await channel.writeAndFlush(frame)
    }

    func sendText(_ text: String) async throws {
        try await send(
            frame: WebSocketFrame(
                fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)))
    }

    /// The next `count` payload bytes.
    func receive(count: Int, within seconds: Double = 5) async throws -> [UInt8] {
        try await poll("\(count) payload bytes", within: seconds) { inbox -> [UInt8]? in
            guard inbox.payload.count >= count else { return nil }
            defer { inbox.payload.removeFirst(count) }
            return Array(inbox.payload.prefix(count))
        }
    }

    func waitForClose(within seconds: Double = 5) async throws {
        _ = try await poll("the close", within: seconds) { $0.closed ? true : nil }
    }

    var isClosed: Bool { inbox.withLockedValue { $0.closed } }

    func close() async {
        try? await channel.close()
    }

    /// Stops or restarts reading from the socket (a slow reader).
    func setReading(_ reading: Bool) async throws {
        try await channel.eventLoop.submit {
            let gate = try self.channel.pipeline.syncOperations.handler(type: ReadGate.self)
            gate.setOpen(
                reading,
                context: try self.channel.pipeline.syncOperations.context(
                    handler: gate))
        }.get()
    }

    /// Waits until `take` returns a value.
    func poll<T>(
        _ what: String, within seconds: Double = 5, _ take: @escaping (inout Inbox) -> T?
    ) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let value = inbox.withLockedValue({ take(&$0) }) { return value }
            guard Date() < deadline else { throw Failure("no \(what) within \(seconds) s") }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}

/// Holds back `read()` while closed, like a peer that stops reading.
final class ReadGate: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private var open = true
    private var pending = false

    func read(context: ChannelHandlerContext) {
        if open { context.read() } else { pending = true }
    }

    func setOpen(_ open: Bool, context: ChannelHandlerContext) {
        self.open = open
        if open, pending {
            pending = false
            context.read()
        }
    }
}

/// Collects raw bytes (TCP peers, and the HTTP upgrade response).
final class RawCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let inbox: NIOLockedValueBox<TestPeer.Inbox>
    let parsesStatusLines: Bool

    init(inbox: NIOLockedValueBox<TestPeer.Inbox>, parsesStatusLines: Bool) {
        self.inbox = inbox
        self.parsesStatusLines = parsesStatusLines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        let parses = parsesStatusLines
        inbox.withLockedValue { inbox in
            guard parses, inbox.inHandshake else {
                inbox.payload += bytes
                return
            }
            inbox.pending += bytes
            while inbox.inHandshake, let newline = inbox.pending.firstIndex(of: 10) {
                let line = String(decoding: inbox.pending[..<newline], as: UTF8.self)
                inbox.pending.removeFirst(newline + 1)
                inbox.statuses.append(line)
                if line == "PAIRED" || line.hasPrefix("ERROR") { inbox.inHandshake = false }
            }
            if !inbox.inHandshake {
                inbox.payload += inbox.pending
                inbox.pending = []
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.withLockedValue { $0.closed = true }
        context.fireChannelInactive()
    }
}

/// Collects WebSocket frames: text frames are statuses, binary frames payload.
final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let inbox: NIOLockedValueBox<TestPeer.Inbox>

    init(inbox: NIOLockedValueBox<TestPeer.Inbox>) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = String(buffer: frame.data)
            inbox.withLockedValue { $0.statuses.append(text) }
        case .binary:
            let bytes = Array(frame.data.readableBytesView)
            inbox.withLockedValue { $0.payload += bytes }
        case .pong:
            inbox.withLockedValue { $0.pongs += 1 }
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.withLockedValue { $0.closed = true }
        context.fireChannelInactive()
    }
}
