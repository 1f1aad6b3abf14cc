#if os(Linux)
    import Logging
    import NIOCore

    /// The agent's end of a terminal channel: bytes in, bytes out, on a channel dedicated to one
    /// terminal (a relay connection).
    ///
    /// The first message must be `open` or `attach`; anything else, a malformed frame or another
    /// protocol version is answered with `failure` and the channel is closed. Input and resizes
    /// sent right behind the first message (before `opened`) are kept (up to 1 MiB) and applied
    /// once the terminal is there. When the channel closes, the terminal is detached and waits
    /// for a reattach (see `TerminalSessions`).
    public final class TerminalServerHandler: ChannelInboundHandler {
        public typealias InboundIn = ByteBuffer
        public typealias OutboundOut = ByteBuffer

        private enum State {
            /// Waiting for `open` or `attach`.
            case idle
            /// The terminal is being started or looked up; later messages wait.
            case starting(pending: [TerminalMessage], pendingBytes: Int)
            case running(RunningTerminal)
            case closed
        }

        /// The most input kept while a terminal starts.
        static let maximumPendingBytes = 1 << 20

        private let sessions: TerminalSessions
        private let environment: [String: String]
        private let logger: Logger
        private let maximumFrameSize: Int
        private var processor: NIOSingleStepByteToMessageProcessor<TerminalMessageDecoder>
        private var state = State.idle
        private var connection: ChannelTerminalConnection?
        private var isWritable = true

        /// A handler starting terminals in `sessions`, adding `environment` (what the agent
        /// knows for sure, e.g. `TSUNAGU_OPERATOR`) over what the client asks for.
        public init(
            sessions: TerminalSessions, environment: [String: String] = [:],
            maximumFrameSize: Int = TerminalProtocol.defaultMaximumFrameSize, logger: Logger
        ) {
            self.sessions = sessions
            self.environment = environment
            self.logger = logger
            self.maximumFrameSize = maximumFrameSize
            processor = NIOSingleStepByteToMessageProcessor(
                TerminalMessageDecoder(maximumFrameSize: maximumFrameSize),
                maximumBufferSize: maximumFrameSize + 5)
        }

        public func handlerAdded(context: ChannelHandlerContext) {
            connection = ChannelTerminalConnection(channel: context.channel)
        }

        public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            do {
                try processor.process(buffer: bytes) { message in
                    self.received(message, context: context)
                }
            } catch let error as TerminalFrameDecoder.FrameError {
                switch error {
                case .unsupportedVersion(let version):
                    refuse(
                        TerminalError(
                            .unsupportedVersion,
                            "protocol version \(version) is not supported (this agent speaks \(TerminalProtocol.version))"
                        ), context: context)
                default:
                    refuse(TerminalError(.badRequest, "malformed frame: \(error)"), context: context)
                }
            } catch {
                refuse(TerminalError(.badRequest, "\(error)"), context: context)
            }
        }

        public func channelWritabilityChanged(context: ChannelHandlerContext) {
            isWritable = context.channel.isWritable
            if case .running(let terminal) = state, let connection {
                terminal.connection(connection, isWritable: isWritable)
            }
            context.fireChannelWritabilityChanged()
        }

        public func channelInactive(context: ChannelHandlerContext) {
            let previous = state
            state = .closed
            if case .running(let terminal) = previous, let connection {
                let sessions = sessions
                Task { await sessions.connectionClosed(connection, token: terminal.token) }
            }
            context.fireChannelInactive()
        }

        public func errorCaught(context: ChannelHandlerContext, error: any Error) {
            logger.debug("terminal connection failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }

        private func received(_ message: TerminalMessage, context: ChannelHandlerContext) {
            switch state {
            case .idle:
                start(message, context: context)
            case .starting(var pending, var pendingBytes):
                switch message {
                case .input(let bytes):
                    pendingBytes += bytes.readableBytes
                case .resize:
                    break
                default:
                    refuse(
                        TerminalError(.badRequest, "\(message.type) before the terminal opened"),
                        context: context)
                    return
                }
                guard pendingBytes <= Self.maximumPendingBytes else {
                    refuse(
                        TerminalError(.badRequest, "too much input before the terminal opened"),
                        context: context)
                    return
                }
                pending.append(message)
                state = .starting(pending: pending, pendingBytes: pendingBytes)
            case .running(let terminal):
                apply(message, to: terminal, context: context)
            case .closed:
                break
            }
        }

        private func start(_ message: TerminalMessage, context: ChannelHandlerContext) {
            guard let connection else { return }
            let sessions = sessions
            let environment = environment
            let eventLoop = context.eventLoop
            let handler = NIOLoopBound((self, context), eventLoop: eventLoop)
            // The sessions actor answers on its own executor; the answer comes back to the loop.
            func begin(
                _ operation: @escaping @Sendable () async throws(TerminalError) -> RunningTerminal
            ) {
                state = .starting(pending: [], pendingBytes: 0)
                Task {
                    let result: Result<RunningTerminal, TerminalError>
                    do throws(TerminalError) {
                        result = .success(try await operation())
                    } catch {
                        result = .failure(error)
                    }
                    eventLoop.execute { handler.value.0.started(result, context: handler.value.1) }
                }
            }
            switch message {
            case .open(let request):
                guard sessions.isEnabled else {
                    refuse(
                        TerminalError(.terminalDisabled, "this agent does not offer terminals"),
                        context: context)
                    return
                }
                begin { () throws(TerminalError) in
                    try await sessions.open(
                        request, environment: environment, connection: connection, on: eventLoop)
                }
            case .attach(let token):
                begin { () throws(TerminalError) in
                    try await sessions.attach(token, connection: connection)
                }
            default:
                refuse(
                    TerminalError(.badRequest, "the first message must be open or attach"),
                    context: context)
            }
        }

        private func started(
            _ result: Result<RunningTerminal, TerminalError>, context: ChannelHandlerContext
        ) {
            switch (result, state) {
            case (.success(let terminal), .starting(let pending, _)):
                state = .running(terminal)
                for message in pending { apply(message, to: terminal, context: context) }
                if !isWritable, let connection {
                    terminal.connection(connection, isWritable: false)
                }
            case (.success(let terminal), _):
                // The channel closed while the terminal started: it is detached at once.
                if let connection {
                    let sessions = sessions
                    Task { await sessions.connectionClosed(connection, token: terminal.token) }
                }
            case (.failure(let error), .starting):
                refuse(error, context: context)
            case (.failure, _):
                break
            }
        }

        private func apply(
            _ message: TerminalMessage, to terminal: RunningTerminal, context: ChannelHandlerContext
        ) {
            switch message {
            case .input(let bytes):
                if bytes.readableBytes > 0 { terminal.write(bytes) }
            case .resize(let size):
                terminal.resize(size)
            default:
                refuse(
                    TerminalError(.badRequest, "\(message.type) after the terminal opened"),
                    context: context)
            }
        }

        /// Sends `failure` and closes. A running terminal is only detached (by the close): a
        /// confused client does not cost the operator the shell.
        private func refuse(_ error: TerminalError, context: ChannelHandlerContext) {
            if case .closed = state { return }
            logger.notice("terminal request refused", metadata: ["error": "\(error)"])
            if case .running = state {
                // channelInactive detaches it.
            } else {
                state = .closed
            }
            connection?.close(after: .failure(error))
        }
    }

    @available(*, unavailable)
    extension TerminalServerHandler: Sendable {}
#endif
