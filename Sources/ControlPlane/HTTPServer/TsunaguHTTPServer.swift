import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import Vapor

/// The control plane's HTTP/1.1 server, in place of Vapor's own: the same routes, TLS and
/// graceful shutdown, plus what Vapor's server has no hook for — a deadline on every request
/// head, 414/431 answers to oversized heads, and a per-address cap on connections that have
/// not finished their first head (`HTTPLimits`).
///
/// Pipeline of each connection, from the socket in:
/// `[TLS] → ByteSignal → response encoder → request decoder → RequestHeadGuard →
/// pipelining → VaporBridgeHandler`.
/// Hostname, port, TLS, shutdown timeout come from `app.http.server.configuration`.
public final class TsunaguHTTPServer: Server, Sendable {
    /// The `Server` header of every answer.
    public static let serverName = "tsunagu"

    private let application: Application
    private let limits: HTTPLimits
    private let admission: AddressAdmission
    private let running = NIOLockedValueBox<Running?>(nil)

    /// The listening socket and its quiescing helper, while started.
    private struct Running: Sendable {
        let channel: any Channel
        let quiesce: ServerQuiescingHelper
    }

    /// A server for `application`, not yet listening.
    public init(application: Application, limits: HTTPLimits) {
        self.application = application
        self.limits = limits
        self.admission = AddressAdmission(limit: limits.maxConnectionsInHeadPerAddress)
    }

    /// The bound address once started (the real port when 0 was asked for).
    public var localAddress: SocketAddress? {
        running.withLockedValue { $0?.channel.localAddress }
    }

    /// Connections from `address` (an IP) open but not past their first request head.
    public func connectionsInFirstHead(from address: String) -> Int {
        admission.count(address)
    }

    public var onShutdown: EventLoopFuture<Void> {
        guard let channel = running.withLockedValue({ $0?.channel }) else {
            return application.eventLoopGroup.any().makeSucceededVoidFuture()
        }
        return channel.closeFuture
    }

    @available(*, noasync, message: "Use the async start(address:) instead.")
    public func start(address: BindAddress?) throws {
        try bind(address).wait()
    }

    public func start(address: BindAddress?) async throws {
        try await bind(address).get()
    }

    @available(*, noasync, message: "Use the async shutdown() instead.")
    public func shutdown() {
        try? close().wait()
    }

    public func shutdown() async {
        try? await close().get()
    }

    /// Stops accepting, lets connections finish their current request (idle ones close at
    /// once), and gives up waiting after the configured shutdown timeout, as Vapor does.
    private func close() -> EventLoopFuture<Void> {
        guard
            let current = running.withLockedValue({ state in
                defer { state = nil }
                return state
            })
        else {
            return application.eventLoopGroup.any().makeSucceededVoidFuture()
        }
        let timeout = application.http.server.configuration.shutdownTimeout
        let promise = current.channel.eventLoop.makePromise(of: Void.self)
        current.channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Abort(.internalServerError, reason: "Server stop took too long."))
        }
        current.quiesce.initiateShutdown(promise: promise)
        return promise.futureResult.flatMapErrorThrowing { error in
            self.application.logger.warning("HTTP server shutdown: \(error)")
        }
    }

    private func bind(_ address: BindAddress?) -> EventLoopFuture<Void> {
        let configuration = application.http.server.configuration
        let group = application.eventLoopGroup
        let tls: NIOSSLContext?
        do {
            tls = try configuration.tlsConfiguration.map { base in
                var tls = base
                tls.applicationProtocols = ["http/1.1"]
                return try NIOSSLContext(configuration: tls)
            }
        } catch {
            return group.any().makeFailedFuture(error)
        }
        // Resolved once, after boot, as Vapor's server does: middleware and routes are final.
        let responder = application.responder.current
        let quiesce = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(configuration.backlog))
            .serverChannelOption(
                .socketOption(.so_reuseaddr), value: configuration.reuseAddress ? 1 : 0
            )
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { [application, limits, admission] channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(
                        channel, application: application, responder: responder, limits: limits,
                        admission: admission, tls: tls)
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: configuration.tcpNoDelay ? 1 : 0)
            .childChannelOption(.maxMessagesPerRead, value: 1)

        let bound: EventLoopFuture<any Channel>
        switch address ?? configuration.address {
        case .hostname(let host, let port):
            bound = bootstrap.bind(
                host: host ?? configuration.hostname, port: port ?? configuration.port)
        case .unixDomainSocket(let path):
            bound = bootstrap.bind(unixDomainSocketPath: path)
        }
        let started = configuration
        return bound.map { channel in
            self.running.withLockedValue { $0 = Running(channel: channel, quiesce: quiesce) }
            if let port = channel.localAddress?.port, let host = channel.localAddress?.ipAddress {
                // Report the real port (0 asks for any) where Vapor's own server would.
                var reported = started
                reported.address = .hostname(host, port: port)
                self.application.http.server.configuration = reported
            }
            let scheme = tls == nil ? "http" : "https"
            let address =
                channel.localAddress.map { "\($0.ipAddress ?? "\($0)"):\($0.port ?? 0)" } ?? "?"
            self.application.logger.notice("Server started on \(scheme)://\(address)")
        }.flatMapErrorThrowing { error -> Void in
            quiesce.initiateShutdown(promise: nil)
            throw error
        }
    }

    /// Sets up one accepted connection, or closes it when its address has too many
    /// connections still in their first head.
    private static func configure(
        _ channel: any Channel, application: Application, responder: any Responder,
        limits: HTTPLimits, admission: AddressAdmission, tls: NIOSSLContext?
    ) throws {
        let key = AddressAdmission.key(for: channel.remoteAddress)
        guard admission.admit(key) else {
            application.logger.debug(
                "Refused a connection: \(key) has too many in their first head")
            channel.close(promise: nil)
            return
        }
        let pipeline = channel.pipeline.syncOperations
        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
        let byteSignal = RequestHeadGuard.ByteSignal()
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let headGuard = RequestHeadGuard(limits: limits, admission: admission, admissionKey: key)
        let pipelining = HTTPServerPipelineHandler()
        let bridge = VaporBridgeHandler(
            application: application, responder: responder, limits: limits,
            httpHandlers: [byteSignal, encoder, headGuard, pipelining], decoder: decoder)
        try pipeline.addHandlers([byteSignal, encoder, decoder, headGuard, pipelining, bridge])
        try pipeline.addHandler(NIOCloseOnErrorHandler())
    }
}

extension Application.Servers.Provider {
    /// Serves with `TsunaguHTTPServer` under `limits`: `app.servers.use(.tsunagu(limits))`.
    public static func tsunagu(_ limits: HTTPLimits) -> Self {
        .init { app in
            // One instance: Vapor asks the factory again each time it reads `app.server`.
            let server = TsunaguHTTPServer(application: app, limits: limits)
            app.servers.use { _ in server }
        }
    }
}
