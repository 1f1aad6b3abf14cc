import Vapor

/// An error the API reports to its caller as `{"error":{"code":…,"message":…}}`.
///
/// `code` is stable and snake_case so scripts can branch on it; `message` is for people.
public struct APIError: AbortError, Sendable {
    public let status: HTTPResponseStatus
    public let code: String
    public let message: String
    /// Extra headers such as `Retry-After`.
    public let extraHeaders: HTTPHeaders

    public init(
        _ status: HTTPResponseStatus, _ code: String, _ message: String, headers: HTTPHeaders = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.extraHeaders = headers
    }

    public var reason: String { message }
    public var headers: HTTPHeaders { extraHeaders }

    static let invalidCredentials = APIError(
        .unauthorized, "invalid_credentials", "The company ID, login or password is wrong.")
    static let unauthenticated = APIError(
        .unauthorized, "unauthenticated", "Log in first: no valid session token was given.")
    static let csrfMismatch = APIError(
        .forbidden, "csrf_token_invalid",
        "This request needs the X-CSRF-Token header that came with the login.")
    static let adminOnly = APIError(
        .forbidden, "admin_required", "Only an administrator of this company may do this.")
    static let tenantInactive = APIError(
        .forbidden, "tenant_inactive", "This company's account is suspended or terminated.")

    static func tooManyAttempts(retryAfter seconds: Int) -> APIError {
        APIError(
            .tooManyRequests, "too_many_attempts",
            "Too many failed logins. Try again in \(seconds) seconds.",
            headers: ["Retry-After": String(seconds)])
    }

    static func invalidField(_ field: String, _ why: String) -> APIError {
        APIError(.unprocessableEntity, "invalid_field", "\(field): \(why)")
    }
}
