import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import ControlPlane

/// `RequestHeadGuard` on an `EmbeddedChannel`: deadlines driven by the loop's clock, so every
/// edge is checked to the millisecond without a socket or a wall clock.
@Suite("Request head guard")
struct RequestHeadGuardTests {
    static let limits = HTTPLimits(
        requestHeadTimeout: .seconds(1), idleTimeout: .seconds(60), maxRequestLineBytes: 100,
        maxHeaderBytes: 200, maxConnectionsInHeadPerAddress: 2)

    /// A channel with the server's HTTP handlers in front of a sink that keeps the parts.
    func makeChannel(admission: AddressAdmission = AddressAdmission(limit: 2)) throws
        -> (EmbeddedChannel, AddressAdmission)
    {
        let channel = EmbeddedChannel()
        #expect(admission.admit("peer"))
        try channel.pipeline.syncOperations.addHandlers([
            RequestHeadGuard.ByteSignal(), HTTPResponseEncoder(),
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
            RequestHeadGuard(limits: Self.limits, admission: admission, admissionKey: "peer"),
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, admission)
    }

    func send(_ text: String, to channel: EmbeddedChannel) throws {
        try channel.writeInbound(channel.allocator.buffer(string: text))
    }

    /// Everything the guard wrote, as text.
    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    @Test("the first head's deadline counts from accept, to the millisecond")
    func firstHeadDeadline() throws {
        let (channel, admission) = try makeChannel()
        try send("GET / HTTP/1.1\r\nHost", to: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        #expect(admission.count("peer") == 1)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try written(channel).hasPrefix("HTTP/1.1 408"))
        #expect(!channel.isActive)
        #expect(admission.count("peer") == 0, "the slot goes back when the connection closes")
    }

    @Test("a slow-loris is cut at the deadline however steadily its bytes come")
    func slowLoris() throws {
        let (channel, _) = try makeChannel()
        let head = Array("GET / HTTP/1.1\r\nX-Slow: ".utf8)
        for index in 0..<5 {
            try channel.writeInbound(channel.allocator.buffer(bytes: [head[index]]))
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(199))
            #expect(channel.isActive, "still open after \((index + 1) * 199) ms")
        }
        try channel.writeInbound(channel.allocator.buffer(bytes: [head[5]]))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(5))
        #expect(!channel.isActive, "closed at 1 s although a byte came 5 ms before")
        #expect(try written(channel).hasPrefix("HTTP/1.1 408"))
    }

    @Test(
        "a later request's deadline counts from its first byte; idle keep-alive lasts the idle limit"
    )
    func keepAliveDeadlines() throws {
        let (channel, admission) = try makeChannel()
        try send("GET / HTTP/1.1\r\nHost: x\r\n\r\n", to: channel)
        let head = try #require(try channel.readInbound(as: HTTPServerRequestPart.self))
        if case .head = head {} else { Issue.record("expected a head, got \(head)") }
        #expect(admission.count("peer") == 0, "a complete first head frees the slot")
        _ = try channel.readInbound(as: HTTPServerRequestPart.self)  // .end
        try channel.writeOutbound(
            HTTPServerResponsePart.head(.init(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        _ = try written(channel)

        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive, "idle keep-alive is bounded by the idle limit, not the head's")
        try send("G", to: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try written(channel).hasPrefix("HTTP/1.1 408"))
        #expect(!channel.isActive)
    }

    @Test("an idle keep-alive connection closes at the idle limit")
    func idleClose() throws {
        let (channel, _) = try makeChannel()
        try send("GET / HTTP/1.1\r\nHost: x\r\n\r\n", to: channel)
        try channel.writeOutbound(
            HTTPServerResponsePart.head(.init(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(!channel.isActive)
    }

    @Test("a long request line is answered 414, many header bytes 431, each not passed on")
    func sizeLimits() throws {
        let (long, _) = try makeChannel()
        try send("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: x\r\n\r\n", to: long)
        #expect(try long.readInbound(as: HTTPServerRequestPart.self) == nil)
        let uri = try written(long)
        #expect(uri.hasPrefix("HTTP/1.1 414"))
        #expect(uri.contains(#"{"error":{"code":"uri_too_long","#))

        let big = try makeChannel().0
        try send("GET / HTTP/1.1\r\nX-Big: \(String(repeating: "b", count: 200))\r\n\r\n", to: big)
        #expect(try big.readInbound(as: HTTPServerRequestPart.self) == nil)
        #expect(try written(big).hasPrefix("HTTP/1.1 431"))
        #expect(!big.isActive)
    }

    @Test("a head past NIO's own parser limit is answered 431, not a bare close")
    func parserOverflow() throws {
        let (channel, _) = try makeChannel()
        try? send(
            "GET / HTTP/1.1\r\nX-Huge: \(String(repeating: "c", count: 100 * 1024))\r\n\r\n",
            to: channel)
        #expect(try written(channel).hasPrefix("HTTP/1.1 431"))
    }

    @Test("admission refuses past the limit and counts addresses apart")
    func admission() {
        let admission = AddressAdmission(limit: 2)
        #expect(admission.admit("a"))
        #expect(admission.admit("a"))
        #expect(!admission.admit("a"))
        #expect(admission.admit("b"))
        admission.release("a")
        #expect(admission.admit("a"))
        #expect(admission.count("a") == 2)
    }
}
