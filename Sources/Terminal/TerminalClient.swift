import NIOCore

/// The operator's end of a terminal, over any NIO channel whose messages are `ByteBuffer`s
/// (a relay connection, or a TCP connection in tests).
///
/// ```swift
/// let terminal = try await TerminalClient.open(on: channel, size: size, command: ["top"])
/// Task { for await chunk in terminal.output { write(chunk) } }
/// terminal.send("q")
/// let status = try await terminal.exitStatus()
/// ```
///
/// `output` has backpressure: while its consumer lags, the client stops reading the channel,
/// which (through the relay) pauses the agent reading the PTY. So consume `output` while
/// awaiting `exitStatus()`: the exit arrives behind the output.
public final class TerminalClient: Sendable {
    /// Why a terminal could not be opened, attached or finished.
    public enum Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The agent refused (`failure`), or closed the terminal with `taken_over`.
        case refused(TerminalError)
        /// The connection closed before the terminal ended: it lives on for the agent's grace
        /// period, and `attach(on:token:)` with `token` gets it back.
        case disconnected
        /// The agent sent something this version does not understand or expect.
        case protocolViolation(String)
        /// The request cannot be sent (see `TerminalOpenRequest.validationProblem`).
        case invalidRequest(String)

        public var description: String {
            switch self {
            case .refused(let error): "refused: \(error)"
            case .disconnected: "the connection closed before the terminal ended"
            case .protocolViolation(let reason): "protocol violation: \(reason)"
            case .invalidRequest(let reason): "invalid request: \(reason)"
            }
        }
    }

    /// The token to reattach with after a dropped connection.
    public let token: TerminalToken
    /// The terminal's recent output at the time of attaching (to redraw the screen from);
    /// `output` continues where it ends.
    public let replay: ByteBuffer
    /// What the terminal prints, as it arrives; ends with the terminal or the connection.
    /// One consumer only.
    public let output: TerminalOutput

    private let channel: any Channel
    private let exit: EventLoopFuture<TerminalExitStatus>
    private let encoder = TerminalFrameEncoder()

    private init(
        token: TerminalToken, replay: ByteBuffer, output: TerminalOutput, channel: any Channel,
        exit: EventLoopFuture<TerminalExitStatus>
    ) {
        self.token = token
        self.replay = replay
        self.output = output
        self.channel = channel
        self.exit = exit
    }

    /// Opens a new terminal of `size` running `command` (the login shell when empty), with
    /// `environment` added to the child's (the agent may add its own over it).
    public static func open(
        on channel: any Channel, size: TerminalSize, command: [String] = [],
        environment: [String: String] = [:],
        maximumFrameSize: Int = TerminalProtocol.defaultMaximumFrameSize
    ) async throws(Error) -> TerminalClient {
        let request = TerminalOpenRequest(size: size, command: command, environment: environment)
        if let problem = request.validationProblem { throw Error.invalidRequest(problem) }
        return try await start(
            on: channel, first: .open(request), maximumFrameSize: maximumFrameSize)
    }

    /// Attaches to the terminal of `token`, whose earlier connection dropped.
    public static func attach(
        on channel: any Channel, token: TerminalToken,
        maximumFrameSize: Int = TerminalProtocol.defaultMaximumFrameSize
    ) async throws(Error) -> TerminalClient {
        try await start(on: channel, first: .attach(token), maximumFrameSize: maximumFrameSize)
    }

    /// Sends input (keystrokes, a paste), in chunks the protocol carries.
    public func send(_ input: ByteBuffer) {
        var input = input
        while let chunk = input.readSlice(
            length: min(input.readableBytes, TerminalProtocol.maximumChunk)),
            chunk.readableBytes > 0
        {
            channel.writeAndFlush(
                encoder.encode(.input(chunk), allocator: channel.allocator), promise: nil)
        }
    }

    /// Sends `text` as UTF-8 input.
    public func send(_ text: String) {
        send(channel.allocator.buffer(string: text))
    }

    /// Tells the agent the window has a new size.
    public func resize(_ size: TerminalSize) {
        channel.writeAndFlush(encoder.encode(.resize(size), allocator: channel.allocator), promise: nil)
    }

    /// How the terminal's process ended. Throws `disconnected` when the connection closed
    /// first, `refused(taken_over)` when another connection took the terminal over.
    public func exitStatus() async throws(Error) -> TerminalExitStatus {
        do {
            return try await exit.get()
        } catch {
            throw Self.clientError(error)
        }
    }

    /// Closes the connection; the terminal stays alive on the agent for its grace period.
    public func close() async {
        try? await channel.close()
    }

    private static func start(
        on channel: any Channel, first: TerminalMessage, maximumFrameSize: Int
    ) async throws(Error) -> TerminalClient {
        struct Setup: Sendable {
            let opened: EventLoopFuture<(TerminalToken, ByteBuffer)>
            let exit: EventLoopFuture<TerminalExitStatus>
            let output: TerminalOutput
        }
        let eventLoop = channel.eventLoop
        let setup: Setup
        do {
            setup = try await eventLoop.submit {
                let handler = TerminalClientHandler(
                    eventLoop: eventLoop, maximumFrameSize: maximumFrameSize)
                let output = TerminalOutput.make(handler: NIOLoopBound(handler, eventLoop: eventLoop))
                handler.source = output.source
                try channel.pipeline.syncOperations.addHandler(handler)
                handler.send(first)
                return Setup(
                    opened: handler.opened.futureResult, exit: handler.exit.futureResult,
                    output: output.sequence)
            }.get()
        } catch {
            throw Error.disconnected
        }
        let token: TerminalToken
        let replay: ByteBuffer
        do {
            (token, replay) = try await setup.opened.get()
        } catch {
            throw clientError(error)
        }
        return TerminalClient(
            token: token, replay: replay, output: setup.output, channel: channel, exit: setup.exit)
    }

    private static func clientError(_ error: any Swift.Error) -> Error {
        (error as? Error) ?? .disconnected
    }
}
