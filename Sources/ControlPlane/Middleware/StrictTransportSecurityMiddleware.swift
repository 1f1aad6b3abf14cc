import Vapor

/// `Strict-Transport-Security` on every answer of a server reached over HTTPS (its own TLS or
/// a TLS-terminating proxy named by an https public URL): once a browser has seen it, it never
/// sends the console's cookie in clear, even when someone types `http://`.
struct StrictTransportSecurityMiddleware: AsyncMiddleware {
    /// A year, as browsers' preload lists expect.
    static let value = "max-age=31536000"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response
    {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: .strictTransportSecurity, value: Self.value)
        return response
    }
}
