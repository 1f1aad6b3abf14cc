#if os(Linux)
    import NIOCore

    /// A terminal of `TerminalSessions`: its process on a PTY and where its output goes.
    ///
    /// Input and output take no detour through the sessions actor: a handler writes input here
    /// directly, and output goes from the PTY's event loop straight to the attached connection.
    /// Everything that changes where output goes runs on that loop, in the order the sessions
    /// actor decided it, so that `opened` (with the replay) and live output never overlap or
    /// leave a gap.
    public final class RunningTerminal: Sendable {
        /// The token that names this terminal.
        public let token: TerminalToken
        /// The process and its PTY.
        public let pseudoTerminal: PseudoTerminal
        private let router: NIOLoopBound<TerminalOutputRouter>

        private init(
            token: TerminalToken, pseudoTerminal: PseudoTerminal,
            router: NIOLoopBound<TerminalOutputRouter>
        ) {
            self.token = token
            self.pseudoTerminal = pseudoTerminal
            self.router = router
        }

        /// Starts `configuration` on `eventLoop`; output is kept for replay from the first byte.
        static func start(
            token: TerminalToken, configuration: PseudoTerminal.Configuration, replayLimit: Int,
            on eventLoop: any EventLoop
        ) async throws(PseudoTerminal.Error) -> RunningTerminal {
            let router: NIOLoopBound<TerminalOutputRouter>
            do {
                router = try await eventLoop.submit {
                    NIOLoopBound(
                        TerminalOutputRouter(token: token, replayLimit: replayLimit),
                        eventLoop: eventLoop)
                }.get()
            } catch {
                throw PseudoTerminal.Error.channelFailed("\(error)")
            }
            let pseudoTerminal = try await PseudoTerminal.spawn(configuration, on: eventLoop) {
                router.value.output($0)
            }
            return RunningTerminal(token: token, pseudoTerminal: pseudoTerminal, router: router)
        }

        /// The process id.
        public var processID: Int32 { pseudoTerminal.processID }

        /// Writes input to the terminal.
        public func write(_ input: ByteBuffer) {
            pseudoTerminal.write(input)
        }

        /// Resizes the terminal.
        public func resize(_ size: TerminalSize) {
            pseudoTerminal.resize(size)
        }

        /// The attached connection's channel became writable or not: output reading follows,
        /// so that a slow operator link holds the program back instead of filling memory.
        /// Ignored for a connection that is not (or no longer) attached.
        public func connection(_ connection: any TerminalConnection, isWritable: Bool) {
            let router = router
            let pseudoTerminal = pseudoTerminal
            router.eventLoop.execute {
                if router.value.isAttached(connection) {
                    pseudoTerminal.setReadingPaused(!isWritable)
                }
            }
        }

        /// Output goes to `connection` from now on, after `opened` with the replay; a
        /// `previous` connection is closed with `taken_over`. With `exitStatus`, the process
        /// has already ended: `exited` follows the replay and the connection is closed.
        func attach(
            _ connection: any TerminalConnection, replacing previous: (any TerminalConnection)?,
            exitStatus: TerminalExitStatus? = nil
        ) {
            let router = router
            let pseudoTerminal = pseudoTerminal
            router.eventLoop.execute {
                router.value.attach(connection)
                pseudoTerminal.setReadingPaused(false)
                previous?.close(
                    after: .failure(
                        TerminalError(.takenOver, "another connection attached to this terminal")))
                if let exitStatus { connection.close(after: .exited(exitStatus)) }
            }
        }

        /// Output stops going to `connection` (it closed); it is still kept for replay, and
        /// read even if the connection had paused reading.
        func detach(_ connection: any TerminalConnection) {
            let router = router
            let pseudoTerminal = pseudoTerminal
            router.eventLoop.execute {
                if router.value.detach(connection) { pseudoTerminal.setReadingPaused(false) }
            }
        }

        /// Sends `connection` the exit status and closes it, after any output still queued.
        func reportExit(_ status: TerminalExitStatus, to connection: any TerminalConnection) {
            let router = router
            router.eventLoop.execute {
                _ = router.value.detach(connection)
                connection.close(after: .exited(status))
            }
        }
    }

    /// Where a terminal's output goes; lives on the PTY's event loop.
    final class TerminalOutputRouter {
        private let token: TerminalToken
        private var replay: TerminalReplayBuffer
        private var attached: (any TerminalConnection)?

        init(token: TerminalToken, replayLimit: Int) {
            self.token = token
            replay = TerminalReplayBuffer(limit: replayLimit)
        }

        func output(_ bytes: ByteBuffer) {
            replay.append(bytes)
            guard let attached else { return }
            var bytes = bytes
            while let chunk = bytes.readSlice(
                length: min(bytes.readableBytes, TerminalProtocol.maximumChunk)),
                chunk.readableBytes > 0
            {
                attached.send(.output(chunk))
            }
        }

        func attach(_ connection: any TerminalConnection) {
            attached = connection
            connection.send(.opened(token: token, replay: replay.contents))
        }

        /// True when `connection` was the attached one.
        func detach(_ connection: any TerminalConnection) -> Bool {
            guard isAttached(connection) else { return false }
            attached = nil
            return true
        }

        func isAttached(_ connection: any TerminalConnection) -> Bool {
            attached.map { $0 === connection } ?? false
        }
    }
#endif
