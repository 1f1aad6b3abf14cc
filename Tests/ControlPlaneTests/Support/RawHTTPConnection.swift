import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP client that writes exactly the bytes a test gives it, to play slow or broken
/// HTTP clients against the real server, and reads answers with deadlines.
final class RawHTTPConnection {
    /// What the socket did next.
    enum Event {
        case bytes(ByteBuffer)
        case closed
        case deadline
    }

    /// One parsed HTTP/1.1 answer.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let channel: any Channel
    private let continuation: AsyncStream<Event>.Continuation
    private var events: AsyncStream<Event>.Iterator
    private var pending = ""
    private(set) var isClosed = false

    private init(
        channel: any Channel, events: AsyncStream<Event>,
        continuation: AsyncStream<Event>.Continuation
    ) {
        self.channel = channel
        self.events = events.makeAsyncIterator()
        self.continuation = continuation
    }

    /// Connects; `greeting` is written the moment the connection is up, from the event loop,
    /// so a starved test task cannot delay it past a server deadline.
    static func open(port: Int, group: any EventLoopGroup, greeting: String? = nil) async throws
        -> RawHTTPConnection
    {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Collector(continuation: continuation, greeting: greeting))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawHTTPConnection(channel: channel, events: events, continuation: continuation)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
    }

    /// Writes `text` one byte every `interval`, driven by the event loop (not the test task,
    /// which the full test run can starve), until it is all out or the connection closes.
    /// The count of bytes written so far is in the returned box.
    func trickle(_ text: String, every interval: TimeAmount) -> NIOLockedValueBox<Int> {
        let sent = NIOLockedValueBox(0)
        let bytes = Array(text.utf8)
        let channel = self.channel
        channel.eventLoop.execute {
            channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { task in
                let next = sent.withLockedValue { $0 }
                guard channel.isActive, next < bytes.count else {
                    task.cancel()
                    return
                }
                channel.writeAndFlush(channel.allocator.buffer(bytes: [bytes[next]]), promise: nil)
                sent.withLockedValue { $0 += 1 }
            }
        }
        return sent
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    func close() async {
        try? await channel.close().get()
    }

    /// The next event, or `.deadline` when nothing happened within `seconds`.
    func next(within seconds: Double) async -> Event {
        if isClosed { return .closed }
        let continuation = self.continuation
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            continuation.yield(.deadline)
        }
        defer { timer.cancel() }
        while let event = await events.next() {
            switch event {
            case .bytes(let buffer):
                pending += String(buffer: buffer)
                return event
            case .closed:
                isClosed = true
                return event
            case .deadline:
                // Possibly an earlier call's timer that fired as it was cancelled: callers
                // that wait for something check their own clock and ask again.
                return event
            }
        }
        isClosed = true
        return .closed
    }

    /// Waits until the server closes the connection; false if it is still open after `seconds`.
    func waitForClose(within seconds: Double) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !isClosed {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return false }
            _ = await next(within: left)
        }
        return true
    }

    /// Reads one whole answer (Content-Length framed, or none for HEAD when `head` is true).
    func readAnswer(within seconds: Double = 20, head: Bool = false) async throws -> Answer {
        let end = Date().addingTimeInterval(seconds)
        while true {
            if let answer = takeAnswer(head: head) { return answer }
            let left = end.timeIntervalSinceNow
            guard left > 0, !isClosed else {
                throw Failure(
                    description: "no complete answer; got \(pending.prefix(300).debugDescription)")
            }
            _ = await next(within: left)
        }
    }

    private func takeAnswer(head: Bool) -> Answer? {
        guard let split = pending.range(of: "\r\n\r\n") else { return nil }
        let lines = pending[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        let length = head ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        let rest = pending[split.upperBound...]
        guard rest.utf8.count >= length else { return nil }
        let bodyEnd = rest.utf8.index(rest.startIndex, offsetBy: length)
        let body = String(rest[..<bodyEnd])
        pending = String(rest[bodyEnd...])
        return Answer(status: status, headers: headers, body: body)
    }

    /// Bytes received and not yet taken as an answer.
    var unread: String { pending }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<Event>.Continuation
        let greeting: String?

        init(continuation: AsyncStream<Event>.Continuation, greeting: String?) {
            self.continuation = continuation
            self.greeting = greeting
        }

        func channelActive(context: ChannelHandlerContext) {
            if let greeting {
                context.writeAndFlush(
                    NIOAny(context.channel.allocator.buffer(string: greeting)), promise: nil)
            }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(.bytes(unwrapInboundIn(data)))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.yield(.closed)
            continuation.finish()
            context.fireChannelInactive()
        }
    }
}
