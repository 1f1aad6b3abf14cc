import ControlPlane
import Foundation
import Testing
import Vapor
import VaporTesting

/// A control plane on a fresh database, driven without a socket.
struct TestControlPlane {
    let app: Application
    let configuration: ServerConfiguration
    /// What the app's routes share (its password hasher among them).
    let context: ControlPlaneContext

    /// A throttle that never sleeps, so tests of other things run at full speed.
    static let quickPolicy = LoginPolicy(
        slowAfter: 100, delayPerFailure: 0, maxDelay: 0,
        account: AttemptLimit(failures: 5, lockSeconds: 60, windowSeconds: 60),
        address: AttemptLimit(failures: 1000, lockSeconds: 60, windowSeconds: 60))

    /// Makes a data directory and a database of `kind`, starts the app, runs `body`, stops.
    static func with(
        _ kind: TestDatabase, policy: LoginPolicy = quickPolicy,
        _ body: (TestControlPlane) async throws -> Void
    ) async throws {
        let configuration = try makeConfiguration(kind, policy: policy)
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        try await with(configuration, body)
    }

    /// A fresh data directory and database of `kind`; the caller removes the directory.
    static func makeConfiguration(_ kind: TestDatabase, policy: LoginPolicy = quickPolicy)
        throws -> ServerConfiguration
    {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tsunagu-test-\(UUID().uuidString)").path
        // A generous handshake limit: parallel suites queue every bcrypt behind one gate, and
        // on a loaded machine an enrolment can wait longer than the 15 s default. The limit
        // itself is tested end to end (`--hello-timeout`).
        return ServerConfiguration(
            dataDirectory: dir, database: try kind.makeLocation(in: dir),
            agentHelloTimeout: .seconds(60), loginPolicy: policy)
    }

    /// Starts an app on `configuration` (an existing data directory or database) and runs `body`.
    static func with(
        _ configuration: ServerConfiguration, _ body: (TestControlPlane) async throws -> Void
    ) async throws {
        let app = try await Application.make(.testing)
        do {
            // The background jobs do not run: tests sweep and report themselves, when they
            // mean to (the jobs run in the end-to-end tests' real servers).
            let configured = try await ControlPlaneApplication.configure(app, configuration)
            try await body(
                TestControlPlane(
                    app: app, configuration: configuration, context: configured.context))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    var hasher: BcryptHasher {
        get throws { try BcryptHasher(cost: 10, threadPool: app.threadPool) }
    }

    /// Creates a company with an admin (`admin` / `admin-password`) and returns it.
    @discardableResult
    func makeTenant(_ company: String, seats: Int = 3, expires: Date? = nil) async throws -> Tenant
    {
        let tenant = try await TenantRegistry(database: app.db).create(
            .init(
                companyID: company, name: "\(company) Co.", seats: seats, licenceExpiresAt: expires)
        )
        try await OperatorRoster(database: app.db, hasher: hasher).create(
            tenant: tenant, login: "admin", password: "admin-password", role: .admin)
        return tenant
    }

    /// Adds a device to a company directly (agents enroll it in real use).
    func makeDevice(_ name: String, of tenant: Tenant, connected: Bool = false) async throws {
        let device = Device(
            tenantID: try tenant.requireID(), connectionName: name,
            connectionPasswordHash: try await hasher.hash("device-password"), publicKey: nil,
            mode: .unattended)
        device.connected = connected
        device.lastSeenAt = connected ? Date() : nil
        device.osName = "Debian"
        device.osVersion = "12"
        try await device.create(on: app.db)
    }

    /// Logs in and returns the login answer.
    func login(_ company: String, _ login: String = "admin", _ password: String = "admin-password")
        async throws -> LoginAnswer
    {
        let res = try await post(
            "/api/v1/auth/login", ["company": company, "login": login, "password": password])
        guard res.status == .ok else {
            throw TestSetupError("login failed: \(res.status) \(res.body.string)")
        }
        return try res.content.decode(LoginAnswer.self)
    }

    /// POSTs a JSON object.
    func post(_ path: String, _ json: [String: String], headers: HTTPHeaders = [:]) async throws
        -> TestingHTTPResponse
    {
        try await send(.POST, path, body: try JSONEncoder().encode(json), headers: headers)
    }

    /// Sends raw bytes with `content-type: application/json`.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: HTTPHeaders = [:])
        async throws -> TestingHTTPResponse
    {
        var all = headers
        if body != nil { all.contentType = .json }
        return try await app.testing().sendRequest(
            method, path, headers: all, body: body.map { ByteBuffer(data: $0) })
    }

    /// A request with a bearer token.
    func send(_ method: HTTPMethod, _ path: String, token: String, json: Data? = nil) async throws
        -> TestingHTTPResponse
    {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = .init(token: token)
        return try await send(method, path, body: json, headers: headers)
    }
}

/// The login answer as a client reads it.
struct LoginAnswer: Codable {
    struct Op: Codable {
        var id: UUID
        var login: String
        var role: String
        var company: String
    }
    var token: String
    var csrfToken: String
    var expiresAt: Date
    var `operator`: Op
}

/// The error shape every failure must have.
struct ErrorAnswer: Codable {
    struct Body: Codable {
        var code: String
        var message: String
    }
    var error: Body
}

extension TestingHTTPResponse {
    /// The error code of a failed response, or nil if the body is not the error shape.
    var errorCode: String? {
        try? JSONDecoder().decode(ErrorAnswer.self, from: Data(buffer: body)).error.code
    }
}
