#if os(Linux)
    import Glibc
    import NIOCore
    import NIOPosix
    import Synchronization

    /// A process on a pseudo-terminal: the child runs as the agent's user with the PTY's slave as
    /// its controlling terminal; the master is read and written on an NIO event loop.
    ///
    /// Output is handed to the `output` closure of `spawn` on `eventLoop`, in order. The
    /// terminal ends when the process was reaped *and* its output drained: the master reads EIO
    /// once every slave descriptor is closed (the normal end), or, when a background job keeps
    /// the slave open, `outputDrainTimeout` after the exit, when the master is closed (which
    /// hangs the slave up). `exitStatus` completes then.
    ///
    /// Linux only, like the agent (posix_spawn with `POSIX_SPAWN_SETSID`, glibc ≥ 2.26).
    public final class PseudoTerminal: Sendable {
        /// What to start.
        public struct Configuration: Sendable, Hashable {
            /// The program and its arguments; empty for the login shell.
            public var command: [String]
            /// Variables added over the base environment (TERM=xterm-256color, HOME, USER,
            /// LOGNAME, SHELL, PATH and the locale).
            public var environment: [String: String]
            /// The window size to start with.
            public var size: TerminalSize
            /// How long output may go on after the process exited (a background job holding
            /// the terminal) before the master is closed.
            public var outputDrainTimeout: Duration

            /// A configuration; by default the login shell in an 80×24 window.
            public init(
                command: [String] = [], environment: [String: String] = [:],
                size: TerminalSize = TerminalSize(columns: 80, rows: 24),
                outputDrainTimeout: Duration = .seconds(1)
            ) {
                self.command = command
                self.environment = environment
                self.size = size
                self.outputDrainTimeout = outputDrainTimeout
            }
        }

        /// Why a terminal could not be started.
        public enum Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
            /// Opening or preparing the PTY failed at `operation`.
            case pseudoTerminal(operation: String, errno: Int32)
            /// The program is in no directory of `PATH`.
            case commandNotFound(String)
            /// posix_spawn refused to start `program`.
            case spawnFailed(program: String, errno: Int32)
            /// The master could not be put on the event loop.
            case channelFailed(String)

            public var description: String {
                switch self {
                case .pseudoTerminal(let operation, let code):
                    "cannot open a pseudo-terminal: \(operation): \(String(cString: strerror(code)))"
                case .commandNotFound(let name): "command not found: \(name)"
                case .spawnFailed(let program, let code):
                    "cannot start \(program): \(String(cString: strerror(code)))"
                case .channelFailed(let reason): "cannot read the pseudo-terminal: \(reason)"
                }
            }
        }

        /// The child's pid (also its process group and session id).
        public var processID: pid_t { process.pid }
        /// The loop the master is read on and `output` is called on.
        public let eventLoop: any EventLoop
        /// How the process ended, once it was reaped and its output drained.
        public let exitStatus: EventLoopFuture<TerminalExitStatus>

        private let channel: any Channel
        private let process: ChildProcess
        /// A duplicate of the master for ioctls (NIO does not lend out its descriptors); -1
        /// once the terminal is closed, so that a late resize never hits a reused number.
        private let control: Mutex<Int32>

        private init(
            eventLoop: any EventLoop, channel: any Channel, process: ChildProcess, control: Int32,
            exitStatus: EventLoopFuture<TerminalExitStatus>
        ) {
            self.eventLoop = eventLoop
            self.channel = channel
            self.process = process
            self.control = Mutex(control)
            self.exitStatus = exitStatus
        }

        /// Starts `configuration`'s command on a new PTY. `output` receives what it prints, on
        /// `eventLoop`.
        public static func spawn(
            _ configuration: Configuration, on eventLoop: any EventLoop,
            output: @escaping @Sendable (ByteBuffer) -> Void
        ) async throws(Error) -> PseudoTerminal {
            let account = LoginAccount.current()
            let environment = PseudoTerminalSpawn.environment(
                account: account, additions: configuration.environment)
            let (executable, arguments) = try PseudoTerminalSpawn.program(
                for: configuration.command, account: account,
                path: environment["PATH"] ?? PseudoTerminalSpawn.defaultPath)
            var directory = stat()
            let home =
                stat(account.home, &directory) == 0 && directory.st_mode & S_IFMT == S_IFDIR
                ? account.home : "/"

            let (master, slavePath) = try PseudoTerminalSpawn.openMaster(size: configuration.size)
            let writeSide = fcntl(master, F_DUPFD_CLOEXEC, 3)
            let control = fcntl(master, F_DUPFD_CLOEXEC, 3)
            guard writeSide >= 0, control >= 0 else {
                let code = errno
                for descriptor in [master, writeSide, control] where descriptor >= 0 {
                    close(descriptor)
                }
                throw Error.pseudoTerminal(operation: "dup", errno: code)
            }
            let pid: pid_t
            do {
                pid = try PseudoTerminalSpawn.start(
                    executable: executable, arguments: arguments, environment: environment,
                    directory: home, slavePath: slavePath)
            } catch {
                for descriptor in [master, writeSide, control] { close(descriptor) }
                throw error
            }
            let process = ChildProcess(pid: pid)

            let channel: any Channel
            do {
                // Two descriptors of the same master: NIO's single-descriptor variant would dup
                // without close-on-exec, leaking the master into other children of the agent.
                channel = try await NIOPipeBootstrap(group: eventLoop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                PseudoTerminalReader(output: output))
                        }
                    }
                    .takingOwnershipOfDescriptors(input: master, output: writeSide)
                    .get()
            } catch {
                close(control)
                process.signal(SIGKILL, processGroup: true)
                process.reap { _ in }
                throw Error.channelFailed("\(error)")
            }

            let exitPromise = eventLoop.makePromise(of: TerminalExitStatus.self)
            let terminal = PseudoTerminal(
                eventLoop: eventLoop, channel: channel, process: process, control: control,
                exitStatus: exitPromise.futureResult)
            channel.closeFuture.whenComplete { _ in terminal.closeControl() }
            let drain = TimeAmount.nanoseconds(
                configuration.outputDrainTimeout.components.seconds * 1_000_000_000
                    + configuration.outputDrainTimeout.components.attoseconds / 1_000_000_000)
            process.reap { status in
                eventLoop.execute {
                    let timeout = eventLoop.scheduleTask(in: drain) { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { _ in
                        timeout.cancel()
                        exitPromise.succeed(status)
                    }
                }
            }
            return terminal
        }

        /// Writes `bytes` to the terminal, as if typed.
        public func write(_ bytes: ByteBuffer) {
            channel.writeAndFlush(bytes, promise: nil)
        }

        /// Sets the window size; the foreground job gets SIGWINCH. False once the terminal is
        /// closed.
        @discardableResult
        public func resize(_ size: TerminalSize) -> Bool {
            control.withLock { descriptor in
                descriptor >= 0 && PseudoTerminalSpawn.setWindowSize(size, of: descriptor)
            }
        }

        /// Stops (or resumes) reading the master, so that a slow reader holds the process back
        /// (it blocks writing once the PTY's buffer is full) rather than output piling up.
        public func setReadingPaused(_ paused: Bool) {
            channel.setOption(ChannelOptions.autoRead, value: !paused).whenFailure { _ in }
        }

        /// Sends `signal` to the process and its process group. False once it was reaped.
        @discardableResult
        public func signal(_ signal: Int32) -> Bool {
            process.signal(signal, processGroup: true)
        }

        /// Hangs the terminal up as a modem line drop would: SIGHUP to the process group and the
        /// master closed (the kernel then hangs up the slave and signals the session).
        public func hangUp() {
            process.signal(SIGHUP, processGroup: true)
            channel.close(promise: nil)
        }

        private func closeControl() {
            control.withLock { descriptor in
                if descriptor >= 0 { close(descriptor) }
                descriptor = -1
            }
        }
    }

    /// Hands what the master reads to the terminal's `output` closure.
    private final class PseudoTerminalReader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let output: @Sendable (ByteBuffer) -> Void

        init(output: @escaping @Sendable (ByteBuffer) -> Void) {
            self.output = output
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            output(unwrapInboundIn(data))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Swift.Error) {
            // EIO from read(2) once every slave descriptor is closed: the normal end of output.
            // EIO from write(2) after the child went away. Either way the terminal is done.
            context.close(promise: nil)
        }
    }
#endif
