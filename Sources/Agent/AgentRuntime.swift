import FileTransfer
import Foundation
import Logging
import NIOCore
import NIOPosix
import RFB
import Screen
import Terminal

/// The running agent: the shared desktop, the local VNC listener or gateway, and (later) the
/// control connection. Every long-running part starts here and stops here.
public actor AgentRuntime {
    public let configuration: AgentConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    /// One thread owns the screen source (XCB connections are bound to their thread).
    private let desktopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var desktop: SharedDesktop?
    private var listener: VNCListener?
    private var gateway: GatewayListener?
    private var control: Task<Void, any Error>?
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

    /// Starts and then waits until the task is cancelled or the control connection stops
    /// for good (a refused device or a server-key mismatch), which is thrown.
    public func run() async throws {
        try await start()
        if let control {
            do {
                try await control.value
            } catch {
                try? await stop()
                throw error
            }
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        try await stop()
    }

    /// Closes the listeners and releases the desktop thread.
    public func stop() async throws {
        control?.cancel()
        control = nil
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
