import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TsunaguCore

/// The Tsunagu control plane's HTTP API as the operator's command line uses it: typed
/// requests and answers, bearer-token authentication, and every error answer turned into
/// an `APIError` with the server's code and message.
public struct TsunaguAPI: Sendable {
    /// The formats `GET /api/v1/connection-log` can answer in.
    public enum LogFormat: String, Sendable, CaseIterable {
        case csv, json
    }

    /// The server's base URL.
    public let server: ServerURL
    /// The bearer token; nil before login.
    public let token: String?
    /// How long one request may take.
    public let timeout: TimeAmount
    private let http: HTTPClient

    /// A client of `server` over `http` (which the caller shuts down).
    public init(
        server: ServerURL, token: String? = nil, http: HTTPClient,
        timeout: TimeAmount = .seconds(60)
    ) {
        self.server = server
        self.token = token
        self.http = http
        self.timeout = timeout
    }

    /// An HTTP client that trusts the system's roots plus `caFile` (PEM) when given, and
    /// never follows redirects: a redirect could carry the token somewhere else.
    public static func makeHTTPClient(
        caFile: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw APIError(
                    status: 0, code: "ca_file_unreadable",
                    message: "Cannot read the CA file \(caFile).")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)))
        return HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    /// The same server with another token.
    public func with(token: String) -> TsunaguAPI {
        TsunaguAPI(server: server, token: token, http: http, timeout: timeout)
    }

    /// `POST /api/v1/auth/login`.
    public func login(company: String, login: String, password: String) async throws -> LoginResult
    {
        struct Body: Encodable {
            var company: String
            var login: String
            var password: String
        }
        let body = try APIJSON.encoder().encode(
            Body(company: company, login: login, password: password))
        return try await decode(
            LoginResult.self, from: send(.POST, "/api/v1/auth/login", json: body))
    }

    /// `GET /api/v1/devices`: the company's devices by name.
    public func devices() async throws -> [DeviceInfo] {
        try await decode([DeviceInfo].self, from: send(.GET, "/api/v1/devices"))
    }

    /// `POST /api/v1/sessions`: asks for a session with `device`.
    public func createSession(
        device: String, password: String, channel: SessionChannel = .desktop
    ) async throws -> CreatedSession {
        struct Body: Encodable {
            var device: String
            var password: String
            var channel: SessionChannel
        }
        let body = try APIJSON.encoder().encode(
            Body(device: device, password: password, channel: channel))
        return try await decode(
            CreatedSession.self, from: send(.POST, "/api/v1/sessions", json: body))
    }

    /// `POST /api/v1/sessions/{id}/channels`: a ticket for another channel of a live session
    /// (no second password or consent).
    public func openChannel(_ channel: SessionChannel, session id: UUID) async throws
        -> CreatedSession
    {
        struct Body: Encodable { var channel: SessionChannel }
        let body = try APIJSON.encoder().encode(Body(channel: channel))
        return try await decode(
            CreatedSession.self,
            from: send(.POST, "/api/v1/sessions/\(id.uuidString)/channels", json: body))
    }

    /// `GET /api/v1/sessions/{id}`.
    public func session(_ id: UUID) async throws -> SessionState {
        try await decode(SessionState.self, from: send(.GET, "/api/v1/sessions/\(id.uuidString)"))
    }

    /// `DELETE /api/v1/sessions/{id}`: ends the session (nothing happens to an ended one).
    @discardableResult
    public func endSession(_ id: UUID) async throws -> SessionState {
        try await decode(
            SessionState.self, from: send(.DELETE, "/api/v1/sessions/\(id.uuidString)"))
    }

    /// `GET /api/v1/connection-log`, streamed to `sink` chunk by chunk so a year of records
    /// never has to fit in memory. `from` and `to` are `YYYY-MM-DD` or ISO 8601 times.
    public func exportConnectionLog(
        from: String? = nil, to: String? = nil, format: LogFormat,
        into sink: (ByteBuffer) async throws -> Void
    ) async throws {
        var query = [("format", format.rawValue)]
        if let from { query.append(("from", from)) }
        if let to { query.append(("to", to)) }
        let response = try await send(.GET, "/api/v1/connection-log?" + Self.queryString(query))
        for try await chunk in response.body { try await sink(chunk) }
    }

    /// The connection log decoded (JSON), for callers that want records, not bytes.
    public func connectionLog(from: String? = nil, to: String? = nil) async throws
        -> [ConnectionRecord]
    {
        var data = Data()
        try await exportConnectionLog(from: from, to: to, format: .json) {
            data.append(contentsOf: $0.readableBytesView)
        }
        do {
            return try APIJSON.decoder().decode([ConnectionRecord].self, from: data)
        } catch {
            throw APIError.unexpectedAnswer("connection log: \(error)")
        }
    }

    /// `name=value&…`, every reserved character escaped (a `+` in a time zone must stay one).
    static func queryString(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }

    private func send(_ method: HTTPMethod, _ path: String, json: Data? = nil) async throws
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: server.endpoint(path))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "tsunagu-cli")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw APIError.unreachable(server.base, error)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            throw APIError(
                status: Int(response.status.code),
                body: Data(body?.readableBytesView ?? ByteBuffer().readableBytesView),
                retryAfterHeader: response.headers.first(name: "Retry-After"))
        }
        return response
    }

    private func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse)
        async throws -> T
    {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw APIError.unreachable(server.base, error)
        }
        do {
            return try APIJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError.unexpectedAnswer("\(T.self): \(error)")
        }
    }
}
