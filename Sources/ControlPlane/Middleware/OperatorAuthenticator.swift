import Vapor

/// Accepts `Authorization: Bearer` (CLI, scripts) or the session cookie (browser). Cookie
/// requests that change state must echo the CSRF token in `X-CSRF-Token`, because a cookie is
/// sent by the browser on its own and a bearer header is not.
struct OperatorAuthenticator: AsyncMiddleware {
    static let cookieName = "tsunagu_session"
    static let csrfHeader = "X-CSRF-Token"

    let context: ControlPlaneContext

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let bearer = request.headers.bearerAuthorization?.token
        let cookie = request.cookies[Self.cookieName]?.string
        guard let token = bearer ?? cookie, !token.isEmpty,
            let (op, csrfHash) = try await context.sessions(on: request.db).resolve(token: token)
        else { throw APIError.unauthenticated }
        if bearer == nil && !Self.isSafe(request.method) {
            let sent = request.headers.first(name: Self.csrfHeader) ?? ""
            guard SecretToken.constantTimeEquals(SecretToken.storedHash(of: sent), csrfHash) else {
                throw APIError.csrfMismatch
            }
        }
        request.auth.login(op)
        return try await next.respond(to: request)
    }

    private static func isSafe(_ method: HTTPMethod) -> Bool {
        method == .GET || method == .HEAD || method == .OPTIONS
    }
}
