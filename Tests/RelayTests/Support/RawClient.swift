import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A raw TCP client on 127.0.0.1 whose bytes are written by its event loop — all at the
/// connect, then optionally one byte every `interval` — and whose connect and close times are
/// taken there too. A test task may be held off the (busy) cooperative pool for a second;
/// the event loop is not, so the times measure the relay and not the test's scheduling.
final class RawClient: Sendable {
    struct Times: Sendable {
        var connected: NIODeadline?
        var closed: NIODeadline?
        var trickled = 0
    }

    let channel: Channel
    let times: NIOLockedValueBox<Times>

    private init(channel: Channel, times: NIOLockedValueBox<Times>) {
        self.channel = channel
        self.times = times
    }

    /// Connects to `port`, writes `bytes`, then `trickle` one byte every `interval`.
    static func connect(
        port: Int, sending bytes: String, trickle: String = "",
        every interval: TimeAmount = .milliseconds(200)
    ) async throws -> RawClient {
        let times = NIOLockedValueBox(Times())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Writer(
                            first: Array(bytes.utf8), trickle: Array(trickle.utf8),
                            interval: interval, times: times))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, times: times)
    }

    var isClosed: Bool { times.withLockedValue { $0.closed != nil } }

    /// Seconds from the connect to the close, once closed.
    var openFor: Double? {
        times.withLockedValue { times in
            guard let connected = times.connected, let closed = times.closed else { return nil }
            return Double((closed - connected).nanoseconds) / 1e9
        }
    }

    /// Waits until the relay closed the connection; the seconds it stayed open.
    @discardableResult
    func waitForClose(within seconds: Double = 5) async throws -> Double {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let openFor { return openFor }
            guard Date() < deadline else {
                throw TestPeer.Failure("connection not closed within \(seconds) s")
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    func close() async {
        try? await channel.close()
    }

    private final class Writer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let first: [UInt8]
        let trickle: [UInt8]
        let interval: TimeAmount
        let times: NIOLockedValueBox<Times>
        private var next = 0
        private var timer: Scheduled<Void>?

        init(
            first: [UInt8], trickle: [UInt8], interval: TimeAmount,
            times: NIOLockedValueBox<Times>
        ) {
            self.first = first
            self.trickle = trickle
            self.interval = interval
            self.times = times
        }

        func channelActive(context: ChannelHandlerContext) {
            times.withLockedValue { $0.connected = .now() }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: first)), promise: nil)
            scheduleNext(context: context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            times.withLockedValue { $0.closed = .now() }
            timer?.cancel()
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }

        private func scheduleNext(context: ChannelHandlerContext) {
            guard next < trickle.count else { return }
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: interval) {
                guard context.channel.isActive else { return }
                context.writeAndFlush(
                    self.wrapOutboundOut(ByteBuffer(bytes: [self.trickle[self.next]])), promise: nil
                )
                self.next += 1
                self.times.withLockedValue { $0.trickled += 1 }
                self.scheduleNext(context: context)
            }
        }
    }
}
