#if os(Linux)
    import Glibc
    import Logging
    import NIOCore

    /// The terminals of this agent, by token.
    ///
    /// A terminal whose connection drops stays alive for `gracePeriod`, its output kept in a
    /// bounded replay buffer; a reattach within the grace period gets `opened` with that buffer
    /// and the terminal goes on. After it the process is hung up (SIGHUP and the master closed,
    /// SIGKILL `hangUpTimeout` later) and the token no longer attaches. One connection is
    /// attached at a time: a second attach takes over and the first is closed (`taken_over`).
    ///
    /// Each terminal's lifecycle is a `TerminalStateMachine`; this actor only performs its
    /// actions and runs its timers.
    public actor TerminalSessions {
        /// Limits and timings.
        public struct Configuration: Sendable, Hashable {
            /// False: every open is refused with `terminal_disabled`.
            public var isEnabled: Bool
            /// How long a detached terminal waits for a reattach.
            public var gracePeriod: Duration
            /// The most output kept for a reattach (at most the frame limit's room: 1 MiB less
            /// 300 bytes).
            public var replayLimit: Int
            /// How long a hung-up process has to end before SIGKILL.
            public var hangUpTimeout: Duration
            /// The most terminals at once (dying ones included).
            public var maximumTerminals: Int
            /// How long output may go on after the process exited (see `PseudoTerminal`).
            public var outputDrainTimeout: Duration

            /// A configuration; defaults: enabled, 60 s grace, 256 KiB replay, 5 s from SIGHUP
            /// to SIGKILL, 32 terminals, 1 s drain.
            public init(
                isEnabled: Bool = true, gracePeriod: Duration = .seconds(60),
                replayLimit: Int = 256 * 1024, hangUpTimeout: Duration = .seconds(5),
                maximumTerminals: Int = 32, outputDrainTimeout: Duration = .seconds(1)
            ) {
                self.isEnabled = isEnabled
                self.gracePeriod = gracePeriod
                self.replayLimit = min(
                    max(0, replayLimit), TerminalProtocol.defaultMaximumFrameSize - 300)
                self.hangUpTimeout = hangUpTimeout
                self.maximumTerminals = maximumTerminals
                self.outputDrainTimeout = outputDrainTimeout
            }
        }

        /// The limits and timings in force.
        public nonisolated let configuration: Configuration
        /// False when the configuration turned terminals off.
        public nonisolated var isEnabled: Bool { configuration.isEnabled }

        private struct Entry {
            var machine: TerminalStateMachine<ConnectionReference>
            let terminal: RunningTerminal
            var timer: Task<Void, Never>?
        }

        private let clock: TerminalClock
        private let logger: Logger
        private var terminals: [TerminalToken: Entry] = [:]
        /// Opens between their limit check and their entry (the spawn is awaited).
        private var starting = 0
        private var isShuttingDown = false
        private var emptyWaiters: [CheckedContinuation<Void, Never>] = []

        /// Terminals with `configuration`, timed by `clock` (tests inject their own).
        public init<C: Clock>(
            configuration: Configuration = Configuration(), clock: C = ContinuousClock(),
            logger: Logger = Logger(label: "tsunagu.terminal")
        ) where C.Duration == Duration {
            self.configuration = configuration
            self.clock = TerminalClock(clock)
            self.logger = logger
        }

        /// How many terminals exist (hung-up ones that have not ended yet included).
        public var count: Int { terminals.count }

        /// True when `token` would attach now.
        public func accepts(_ token: TerminalToken) -> Bool {
            terminals[token]?.machine.acceptsAttach ?? false
        }

        /// Starts a terminal for `request` and attaches `connection`, which gets `opened` and
        /// then the output. `environment` (the agent's own additions, e.g. TSUNAGU_OPERATOR)
        /// goes over the request's. The PTY is read on `eventLoop` (the connection's, so that
        /// output needs no hop).
        public func open(
            _ request: TerminalOpenRequest, environment: [String: String] = [:],
            connection: any TerminalConnection, on eventLoop: any EventLoop
        ) async throws(TerminalError) -> RunningTerminal {
            guard configuration.isEnabled else {
                throw TerminalError(.terminalDisabled, "this agent does not offer terminals")
            }
            guard !isShuttingDown else {
                throw TerminalError(.spawnFailed, "the agent is shutting down")
            }
            guard terminals.count + starting < configuration.maximumTerminals else {
                throw TerminalError(
                    .spawnFailed, "too many terminals (\(configuration.maximumTerminals))")
            }
            starting += 1
            defer { starting -= 1 }
            let token = TerminalToken.random()
            let ptyConfiguration = PseudoTerminal.Configuration(
                command: request.command,
                environment: request.environment.merging(environment) { $1 },
                size: request.size, outputDrainTimeout: configuration.outputDrainTimeout)
            let terminal: RunningTerminal
            do {
                terminal = try await RunningTerminal.start(
                    token: token, configuration: ptyConfiguration,
                    replayLimit: configuration.replayLimit, on: eventLoop)
            } catch {
                logger.notice(
                    "terminal not started", metadata: ["command": "\(request.command)", "error": "\(error)"])
                throw TerminalError(.spawnFailed, error.description)
            }
            let reference = ConnectionReference(connection)
            terminals[token] = Entry(
                machine: TerminalStateMachine(
                    attachedTo: reference, gracePeriod: configuration.gracePeriod,
                    hangUpTimeout: configuration.hangUpTimeout),
                terminal: terminal)
            terminal.attach(connection, replacing: nil)
            terminal.pseudoTerminal.exitStatus.whenSuccess { status in
                Task { await self.processExited(token, status) }
            }
            logger.info(
                "terminal opened",
                metadata: [
                    "terminal": "\(token.logID)", "pid": "\(terminal.processID)",
                    "command": "\(request.command.isEmpty ? ["(login shell)"] : request.command)",
                    "size": "\(request.size)",
                ])
            if isShuttingDown { shutdown(token) }
            return terminal
        }

        /// Attaches `connection` to the terminal of `token`; it gets `opened` with the replay.
        /// Throws `not_found` for a token that is unknown, expired, hung up or ended.
        public func attach(_ token: TerminalToken, connection: any TerminalConnection) throws(
            TerminalError
        ) -> RunningTerminal {
            guard var entry = terminals[token] else {
                throw TerminalError(.notFound, "no terminal with this token (expired or ended)")
            }
            let reference = ConnectionReference(connection)
            let action = entry.machine.attach(reference, now: clock.now())
            terminals[token] = entry
            defer { removeIfFinished(token) }
            switch action {
            case .attach:
                entry.terminal.attach(connection, replacing: nil)
                logger.info("terminal reattached", metadata: ["terminal": "\(token.logID)"])
            case .takeOver(let previous, _):
                entry.terminal.attach(connection, replacing: previous.connection)
                logger.info("terminal taken over", metadata: ["terminal": "\(token.logID)"])
            case .attachExited(_, let status):
                entry.terminal.attach(connection, replacing: nil, exitStatus: status)
                logger.info(
                    "terminal reattached after its end",
                    metadata: ["terminal": "\(token.logID)", "status": "\(status)"])
            case .none:
                break
            default:
                throw TerminalError(.notFound, "this terminal has ended")
            }
            return entry.terminal
        }

        /// `connection` closed; when it was attached to `token`'s terminal, the grace period
        /// starts.
        public func connectionClosed(_ connection: any TerminalConnection, token: TerminalToken) {
            guard var entry = terminals[token] else { return }
            let action = entry.machine.connectionClosed(
                ConnectionReference(connection), now: clock.now())
            terminals[token] = entry
            perform(action, token: token)
        }

        /// Hangs up every terminal and returns once all of them ended (SIGKILL follows SIGHUP
        /// after `hangUpTimeout`). Later opens are refused.
        public func shutdown() async {
            isShuttingDown = true
            for token in Array(terminals.keys) { shutdown(token) }
            guard !terminals.isEmpty else { return }
            await withCheckedContinuation { emptyWaiters.append($0) }
        }

        private func shutdown(_ token: TerminalToken) {
            guard var entry = terminals[token] else { return }
            let action = entry.machine.shutdown(now: clock.now())
            terminals[token] = entry
            perform(action, token: token)
        }

        private func processExited(_ token: TerminalToken, _ status: TerminalExitStatus) {
            guard var entry = terminals[token] else { return }
            let action = entry.machine.processExited(status, now: clock.now())
            terminals[token] = entry
            logger.info(
                "terminal process ended",
                metadata: ["terminal": "\(token.logID)", "status": "\(status)"])
            perform(action, token: token)
        }

        private func deadlinePassed(_ token: TerminalToken) {
            guard var entry = terminals[token] else { return }
            let action = entry.machine.deadlinePassed(now: clock.now())
            terminals[token] = entry
            perform(action, token: token)
        }

        /// Performs what the state machine decided, for the actions not tied to an attach.
        private func perform(
            _ action: TerminalStateMachine<ConnectionReference>.Action, token: TerminalToken
        ) {
            defer { removeIfFinished(token) }
            guard let terminal = terminals[token]?.terminal else { return }
            switch action {
            case .none, .forget:
                break
            case .detach(let connection, let expiresAt):
                terminal.detach(connection.connection)
                schedule(token, at: expiresAt)
                logger.info(
                    "terminal detached, waiting for a reattach",
                    metadata: [
                        "terminal": "\(token.logID)", "grace": "\(configuration.gracePeriod)",
                    ])
            case .reportExit(let connection, let status):
                terminal.reportExit(status, to: connection.connection)
            case .hangUp(let closing, let killAt):
                closing?.connection.close(after: nil)
                terminal.pseudoTerminal.hangUp()
                schedule(token, at: killAt)
                logger.info(
                    "terminal hung up", metadata: ["terminal": "\(token.logID)"])
            case .kill:
                terminal.pseudoTerminal.signal(SIGKILL)
                logger.notice(
                    "terminal process killed after its hang-up",
                    metadata: ["terminal": "\(token.logID)"])
            case .attach, .takeOver, .attachExited, .refuse:
                // Only `attach` returns these, and performs them itself.
                break
            }
        }

        private func schedule(_ token: TerminalToken, at deadline: Duration) {
            terminals[token]?.timer?.cancel()
            let clock = clock
            terminals[token]?.timer = Task {
                do { try await clock.sleepUntil(deadline) } catch { return }
                self.deadlinePassed(token)
            }
        }

        private func removeIfFinished(_ token: TerminalToken) {
            guard let entry = terminals[token], entry.machine.isFinished else { return }
            entry.timer?.cancel()
            terminals[token] = nil
            if terminals.isEmpty {
                for waiter in emptyWaiters { waiter.resume() }
                emptyWaiters = []
            }
        }
    }

    /// A connection compared by identity, for the state machine.
    struct ConnectionReference: Equatable, Sendable {
        let connection: any TerminalConnection

        init(_ connection: any TerminalConnection) {
            self.connection = connection
        }

        static func == (lhs: ConnectionReference, rhs: ConnectionReference) -> Bool {
            lhs.connection === rhs.connection
        }
    }
#endif
