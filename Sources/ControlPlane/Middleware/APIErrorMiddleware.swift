import Vapor

/// Turns every error into the API's JSON error shape with a stable code; never leaks internals.
///
/// Replaces Vapor's `ErrorMiddleware`, whose shape (`{"error":true,"reason":…}`) is not ours.
struct APIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let apiError = Self.translate(error)
            if apiError.status == .internalServerError {
                request.logger.error("internal error: \(String(reflecting: error))")
            } else {
                request.logger.debug("\(apiError.status.code) \(apiError.code): \(apiError.message)")
            }
            return Self.response(for: apiError)
        }
    }

    /// The JSON response for an API error.
    static func response(for error: APIError) -> Response {
        var headers = error.extraHeaders
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        let body = ErrorEnvelope(error: .init(code: error.code, message: error.message))
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: error.status, headers: headers, body: .init(data: data))
    }

    /// Maps any thrown error to the API's shape; anything unknown is a 500 without details.
    static func translate(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DecodingError:
            return decodingError(error)
        case let error as any AbortError:
            return APIError(
                error.status, code(for: error.status), error.reason, headers: error.headers)
        default:
            return APIError(.internalServerError, "internal_error", "Something went wrong on the server.")
        }
    }

    private static func decodingError(_ error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return APIError(.badRequest, "missing_field", "The field \(path) is required.")
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return APIError(.badRequest, "invalid_json", "The request body must be a JSON object.")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return APIError(.badRequest, "invalid_field", "The field \(path) has the wrong type.")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return APIError(
                .badRequest, "invalid_field", "The field \(path) is invalid: \(context.debugDescription)")
        default:
            return APIError(.badRequest, "invalid_json", "The request body is not valid JSON.")
        }
    }

    private static func code(for status: HTTPResponseStatus) -> String {
        switch status {
        case .badRequest: "bad_request"
        case .unauthorized: "unauthenticated"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .payloadTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .unprocessableEntity: "invalid_request"
        case .tooManyRequests: "too_many_requests"
        case .serviceUnavailable: "unavailable"
        default: status.code >= 500 ? "internal_error" : "request_error"
        }
    }
}

/// `{"error":{"code":…,"message":…}}`
struct ErrorEnvelope: Codable, Sendable {
    struct Body: Codable, Sendable {
        var code: String
        var message: String
    }
    var error: Body
}
