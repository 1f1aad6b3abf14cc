import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import NIOSSL
import Relay
import SQLKit
import ServiceLifecycle
import Vapor

/// Sets up a Vapor `Application` as the Tsunagu control plane.
public enum ControlPlaneApplication {
    /// Opens the database named by `configuration` (creating the data directory) and brings
    /// its schema up to date. Admin commands stop here; `configure` goes on to serve HTTP.
    public static func configureDatabase(_ app: Application, _ configuration: ServerConfiguration)
        async throws
    {
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        switch configuration.database {
        case .sqlite(let path):
            // One connection serves every request: on a busy machine a transaction waits its
            // turn for longer than Fluent's 10 s default rather than failing.
            app.databases.use(
                .sqlite(.file(path), connectionPoolTimeout: .seconds(30)), as: .sqlite)
        case .postgres(let url):
            var postgres = try SQLPostgresConfiguration(url: url)
            postgres.searchPath = nil
            app.databases.use(
                .postgres(configuration: postgres, maxConnectionsPerEventLoop: 4), as: .psql)
        }
        app.migrations.add(CreateTenants())
        app.migrations.add(CreateOperators())
        app.migrations.add(CreateDevices())
        app.migrations.add(CreateEnrollmentTokens())
        app.migrations.add(CreateAPITokens())
        app.migrations.add(CreateSessionsAndLog())
        app.migrations.add(AddDeviceControlInstance())
        app.migrations.add(CreateAttemptCounters())
        app.migrations.add(CreateAuditEvents())
        app.migrations.add(AddDeviceEnrollmentGuards())
        app.migrations.add(CreateSessionChannels())
        app.migrations.add(CreateFileTransfers())
        app.migrations.add(AddSessionEndRequestReason())
        if case .sqlite = configuration.database, let sql = app.db as? any SQLDatabase {
            // WAL lets admin commands write while the server reads and writes.
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        try await app.autoMigrate()
    }

    /// Configures everything `tsunagu-server serve` runs: database, middleware, routes, TLS;
    /// answers the context and the background jobs to run beside the HTTP server.
    @discardableResult
    public static func configure(_ app: Application, _ configuration: ServerConfiguration)
        async throws -> ConfiguredControlPlane
    {
        try configuration.validate()
        try await configureDatabase(app, configuration)
        let instanceID = try InstanceIdentity.resolve(configuration)
        let embedded: EmbeddedRelay? =
            configuration.embeddedRelay
            ? await EmbeddedRelay(
                identity: try ServerIdentity.loadOrCreate(in: configuration.dataDirectory),
                relayID: RelayDirectory.embeddedID(instance: instanceID), group: app.eventLoopGroup)
            : nil
        let presence = AgentPresence()
        var cluster: ClusterBus?
        if case .postgres(let url) = configuration.database {
            // Other instances may share this database: offers for agents they hold go there.
            cluster = try ClusterBus(
                instanceID: instanceID, databaseURL: url, presence: presence,
                group: app.eventLoopGroup, logger: app.logger)
            await cluster?.start()
        }
        let context = try await ControlPlaneContext(
            configuration: configuration, threadPool: app.threadPool, instanceID: instanceID,
            presence: presence, cluster: cluster, relayControl: embedded)
        // Started in this order and stopped in the reverse one (`serve` places the HTTP server
        // among them, see `ControlPlaneJob.stopsBeforeTheHTTPServer`): presence flags last.
        var jobs: [any ControlPlaneJob] = [
            AgentPresenceService(instanceID: instanceID, database: app.db, logger: app.logger)
        ]
        if let cluster { jobs.append(ClusterBusService(bus: cluster)) }
        try await context.sessions(on: app.db).purgeExpired()
        if let embedded {
            embedded.register(on: app.routes)
            jobs.append(
                EmbeddedRelayReporter(
                    embedded: embedded, url: EmbeddedRelay.url(for: configuration),
                    context: context, database: app.db, logger: app.logger))
        } else {
            try await RelayDirectory(database: app.db).disableEmbedded(id: context.embeddedRelayID)
        }

        app.http.server.configuration.hostname = configuration.listenHost
        app.http.server.configuration.port = configuration.listenPort
        app.http.server.configuration.serverName = "tsunagu"
        if let tls = configuration.tls {
            // The policy shared with the relay's TLS listener: TLS 1.2+, ECDHE + AEAD only.
            app.http.server.configuration.tlsConfiguration = try TLSPolicy.serverConfiguration(
                certificatePath: tls.certificatePath, keyPath: tls.keyPath)
        }
        app.routes.defaultMaxBodySize = ByteCount(integerLiteral: configuration.maxBodySize)
        app.servers.use(.tsunagu(configuration.serverHTTPLimits))

        // Vapor's default JSON coders already write dates as ISO 8601. Bodies are read by our
        // strict decoder (Vapor keeps its content coders in one process-wide table).
        ContentConfiguration.global.use(decoder: StrictJSONDecoder(), for: .json)
        app.middleware = Middlewares()
        if configuration.servesHTTPS { app.middleware.use(StrictTransportSecurityMiddleware()) }
        app.middleware.use(APIErrorMiddleware())
        try routes(app, context)
        jobs.append(SessionSweeper(context: context, database: app.db, logger: app.logger))
        return ConfiguredControlPlane(context: context, backgroundJobs: jobs)
    }

    private static func routes(_ app: Application, _ context: ControlPlaneContext) throws {
        try app.register(collection: HealthController())
        try app.register(collection: AgentControlController(context: context))
        try app.register(
            collection: AuthController(
                context: context, secureCookies: context.configuration.servesHTTPS))
        let signedIn = app.grouped(OperatorAuthenticator(context: context))
        try signedIn.register(collection: DeviceController())
        try signedIn.register(collection: OperatorController(hasher: context.hasher))
        try signedIn.register(collection: EnrollmentTokenController(context: context))
        try signedIn.register(collection: SessionController(context: context))
        try signedIn.register(collection: ConnectionLogController())
        try signedIn.register(collection: AuditController())
        try signedIn.register(collection: FileTransferController())
        try signedIn.register(collection: DeviceAdminController(context: context))
        try app.register(collection: ConsoleController(configuration: context.configuration))
        try app.register(collection: RelayReportController(context: context))
    }
}

extension ControlPlaneApplication {
    /// Runs the control plane until SIGTERM or SIGINT, then shuts down gracefully: the HTTP
    /// server and every background job are services of one `ServiceGroup`. `onReady` runs
    /// once the server listens.
    public static func serve(
        _ configuration: ServerConfiguration,
        onReady: @escaping @Sendable (ControlPlaneContext) -> Void = { _ in }
    ) async throws {
        let app = try await Application.make(
            Environment(name: "production", arguments: ["tsunagu-server", "serve"]))
        do {
            let configured = try await configure(app, configuration)
            try await app.asyncBoot()
            for job in configured.backgroundJobs { try await job.prepare() }
            let http = ControlPlaneHTTPService(app: app, presence: configured.context.presence) {
                onReady(configured.context)
            }
            // Started in this order, stopped in the reverse one.
            let jobs = configured.backgroundJobs
            let services: [any Service] =
                jobs.filter { !$0.stopsBeforeTheHTTPServer } + [http]
                + jobs.filter(\.stopsBeforeTheHTTPServer)
            let group = services.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            }
            try await ServiceGroup(
                configuration: .init(
                    services: group, gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: app.logger)
            ).run()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Opens the records for one admin command (no HTTP), runs `body`, and closes them.
    /// Safe while the server runs: SQLite is in WAL mode, PostgreSQL is shared anyway.
    public static func withDatabase<T: Sendable>(
        _ configuration: ServerConfiguration,
        _ body: @Sendable (any Database, ControlPlaneContext) async throws -> T
    ) async throws -> T {
        let app = try await Application.make(
            Environment(name: "production", arguments: ["tsunagu-server"]))
        do {
            try await configureDatabase(app, configuration)
            let context = try await ControlPlaneContext(
                configuration: configuration, threadPool: app.threadPool)
            let result = try await body(app.db, context)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}
