import FileTransfer
import Foundation
import Logging
import NIOCore
import NIOPosix
import RFB
import Screen
import ServiceLifecycle
import Terminal
import TsunaguCore

/// The running agent: the shared desktop, the local VNC listener or gateway, the control
/// connection and the sessions' channels. Every long-running part starts here and stops here;
/// as a service it ends its sessions cleanly on graceful shutdown (SIGTERM, SIGINT).
public actor AgentRuntime: Service {
    public let configuration: AgentConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    /// One thread owns the screen source (XCB connections are bound to their thread).
    private let desktopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var desktop: SharedDesktop?
    private var listener: VNCListener?
    private var gateway: GatewayListener?
    private var control: Task<Void, any Error>?
    private var controlClient: ControlClient?
    private var responder: OfferResponder?
    /// The terminals of the terminal channel; they outlive a dropped connection for a while.
    private var terminals: TerminalSessions?

    public init(
        configuration: AgentConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
    }

    /// The local listener's bound address (port 0 resolved), once started.
    public var vncListenerAddress: SocketAddress? {
        listener?.localAddress ?? gateway?.localAddress
    }

    /// Starts what the configuration asks for.
    public func start() async throws {
        try configuration.validate()
        if let listen = configuration.listenVNC {
            switch configuration.screen {
            case .x11:
                listener = try await VNCListener.start(
                    host: listen.host, port: listen.port, group: group,
                    desktop: try await sharedDesktop(), session: sessionConfiguration(),
                    logger: logger)
            case .vncServer(let backend):
                gateway = try await GatewayListener.start(
                    host: listen.host, port: listen.port, group: group, backendHost: backend.host,
                    backendPort: backend.port, backendPassword: configuration.backendPassword,
                    security: configuration.listenerSecurity, logger: logger)
            }
        }
        if let server = configuration.server, let company = configuration.company,
            let name = configuration.name
        {
            let display: String? =
                if case .x11(let display) = configuration.screen { display } else { nil }
            let outbox = FileTransferOutbox()
            let responder = OfferResponder(
                services: try channelServices(fileTransfers: outbox),
                consent: ConsentPrompt(
                    command: configuration.consentCommand, display: display, timeout: .seconds(25)),
                attended: configuration.mode == .attended, group: group, logger: logger,
                fileTransfers: outbox)
            let client = ControlClient(
                configuration: .init(
                    serverURL: server, company: company, name: name,
                    connectionPassword: configuration.connectionPassword,
                    enrollToken: configuration.enrollToken, mode: configuration.mode.rawValue,
                    serverKey: configuration.serverKey,
                    stateDirectory: try AgentStateDirectory(path: configuration.stateDirectory)),
                group: group, logger: logger, offers: responder)
            controlClient = client
            self.responder = responder
            control = Task { try await client.run() }
        }
    }

    /// The session channels this agent serves, as its configuration allows.
    private func channelServices(fileTransfers: FileTransferOutbox) throws
        -> [any SessionChannelService]
    {
        var services: [any SessionChannelService] = [
            DesktopChannelService(runtime: self, group: group, logger: logger)
        ]
        if configuration.filesEnabled {
            let roots = try FilesRootsChoice.roots(configuration.filesRoots)
            logger.notice("files channel serves \(roots.roots.map(\.path).joined(separator: ", "))")
            services.append(
                FilesChannelService(
                    configuration: FileServerConfiguration(roots: roots), outbox: fileTransfers,
                    logger: logger))
        }
        if configuration.terminalEnabled {
            let sessions = TerminalSessions(logger: logger)
            terminals = sessions
            services.append(TerminalChannelService(sessions: sessions, logger: logger))
        }
        return services
    }

    /// Makes sure the built-in capture can run (the X display answers), before a session
    /// is accepted.
    func prepareDesktop() async throws {
        _ = try await sharedDesktop()
    }

    /// Serves one RFB stream (desktop channel of a session) over an already connected
    /// channel carrying raw RFB bytes as `ByteBuffer`s, e.g. a relay connection.
    public func serveRFB(over channel: any Channel, security: ServerSession.Security = .none)
        async throws
    {
        var session = sessionConfiguration()
        session.security = security
        try await VNCListener.serve(
            on: channel, desktop: try await sharedDesktop(), session: session, logger: logger
        ).get()
    }

    /// Starts, then runs until graceful shutdown (the sessions are ended first: the server
    /// hears `agent_stopped` for each) or cancellation, or until the control connection stops
    /// for good (a refused device or a server-key mismatch), which is thrown.
    public func run() async throws {
        try await start()
        let control = self.control
        do {
            try await withGracefulShutdownHandler {
                if let control {
                    try await withTaskCancellationHandler {
                        try await control.value
                    } onCancel: {
                        control.cancel()
                    }
                } else {
                    try await gracefulShutdown()
                }
            } onGracefulShutdown: {
                Task { await self.endSessionsAndDisconnect() }
            }
        } catch is CancellationError {
        } catch {
            try? await stop()
            throw error
        }
        try await stop()
    }

    /// The most time the server gets to confirm the sessions' ends before the agent closes
    /// their connections anyway.
    static let sessionEndTimeout = Duration.seconds(3)

    /// Tells the server each open session ends (`agent_stopped`), waits until its answers
    /// closed their connections (at most `sessionEndTimeout`), closes what is left and ends
    /// the control connection; `run` then stops the rest (`stop()`: terminals, listeners).
    func endSessionsAndDisconnect() async {
        if let responder, let controlClient {
            let sessions = await responder.registry.openSessions
            if !sessions.isEmpty {
                logger.notice("stopping: ending \(sessions.count) session(s)")
            }
            var told = 0
            for session in sessions
            where await controlClient.tell(
                .endSession(.init(session: session, reason: .agentStopped)))
            {
                told += 1
            }
            let deadline = ContinuousClock.now + Self.sessionEndTimeout
            while told > 0, await responder.registry.count > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            let left = await responder.registry.count
            if left > 0 {
                logger.warning("stopping: closing \(left) connection(s) the server did not end")
            }
            await responder.registry.endAll()
        }
        control?.cancel()
    }

    /// Closes the listeners and releases the desktop thread.
    public func stop() async throws {
        control?.cancel()
        control = nil
        await responder?.registry.endAll()
        // Hung up (SIGHUP, then SIGKILL) rather than left running without an agent.
        await terminals?.shutdown()
        terminals = nil
        try await listener?.close()
        try await gateway?.close()
        listener = nil
        gateway = nil
        desktop = nil
        try await desktopGroup.shutdownGracefully()
    }

    private func sessionConfiguration() -> ServerSession.Configuration {
        ServerSession.Configuration(
            name: configuration.name ?? "tsunagu", security: configuration.listenerSecurity,
            width: 0, height: 0)
    }

    /// The shared desktop, created on first use.
    private func sharedDesktop() async throws -> SharedDesktop {
        if let desktop { return desktop }
        guard case .x11(let display) = configuration.screen else {
            throw AgentConfiguration.ConfigurationError.missing(
                "an X display for the built-in capture")
        }
        let made = try await SharedDesktop.make(
            on: desktopGroup.next(), logger: logger,
            framesPerSecond: configuration.framesPerSecond
        ) {
            let screen = try X11Screen(display: display)
            return (screen, screen)
        }.get()
        desktop = made
        return made
    }
}
