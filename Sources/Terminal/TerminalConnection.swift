import NIOCore

/// The operator's end of a terminal as the agent sees it: where its messages go.
/// `TerminalServerHandler` makes one per channel; tests use their own.
///
/// Identity matters: a terminal is attached to one connection object at a time.
public protocol TerminalConnection: AnyObject, Sendable {
    /// Sends `message`. Called from any thread; messages from one thread arrive in order.
    func send(_ message: TerminalMessage)
    /// Sends `finalMessage` (if any) and closes once it was written.
    func close(after finalMessage: TerminalMessage?)
}

/// A `TerminalConnection` over an NIO channel whose outbound messages are `ByteBuffer`s.
final class ChannelTerminalConnection: TerminalConnection {
    let channel: any Channel
    private let encoder = TerminalFrameEncoder()

    init(channel: any Channel) {
        self.channel = channel
    }

    func send(_ message: TerminalMessage) {
        channel.writeAndFlush(encoder.encode(message, allocator: channel.allocator), promise: nil)
    }

    func close(after finalMessage: TerminalMessage?) {
        guard let finalMessage else {
            channel.close(promise: nil)
            return
        }
        // Closing at once would fail the write if it is still queued (a slow peer); close
        // once it went out, or failed.
        let channel = channel
        channel.writeAndFlush(encoder.encode(finalMessage, allocator: channel.allocator))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
