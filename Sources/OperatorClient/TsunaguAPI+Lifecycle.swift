import AsyncHTTPClient
import NIOCore
import NIOPosix

extension TsunaguAPI {
    /// Runs `body` with a client of `server` whose HTTP client is shut down afterwards,
    /// whether `body` succeeds or throws (AsyncHTTPClient insists on an explicit shutdown).
    public static func withClient<T: Sendable>(
        server: ServerURL, token: String? = nil, caFile: String? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (TsunaguAPI) async throws -> T
    ) async throws -> T {
        let http = try makeHTTPClient(caFile: caFile, group: group)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(TsunaguAPI(server: server, token: token, http: http)))
        } catch {
            result = .failure(error)
        }
        try? await http.shutdown()
        return try result.get()
    }
}
