import Foundation

/// An error answer of the Tsunagu API (`{"error":{"code","message"}}`), or a transport
/// failure dressed the same way so the command line reports every failure alike.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status; 0 when no answer came at all.
    public var status: Int
    /// The API's snake_case code, such as `wrong_password`.
    public var code: String
    /// The server's English message, shown to the user as it is.
    public var message: String
    /// Seconds to wait before trying again (`Retry-After`), for `too_many_attempts` and
    /// `device_locked`.
    public var retryAfter: Int?

    /// An error with the given parts.
    public init(status: Int, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Reads an error answer. A body that is not the API's envelope (a proxy's HTML page,
    /// say) still gives an error, coded `http_STATUS`, with the start of the body as message.
    public init(status: Int, body: Data, retryAfterHeader: String?) {
        let retryAfter = retryAfterHeader.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: body) {
            self.init(
                status: status, code: envelope.error.code, message: envelope.error.message,
                retryAfter: retryAfter)
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(
                status: status, code: "http_\(status)",
                message: text.isEmpty ? "The server answered HTTP \(status)." : text,
                retryAfter: retryAfter)
        }
    }

    /// No answer from the server (refused, timed out, TLS failure).
    public static func unreachable(_ server: String, _ underlying: any Error) -> APIError {
        APIError(
            status: 0, code: "unreachable",
            message: "Cannot reach \(server): \(String(describing: underlying))")
    }

    /// An answer that is not what the API promises.
    public static func unexpectedAnswer(_ what: String) -> APIError {
        APIError(status: 0, code: "unexpected_answer", message: "Unexpected answer: \(what)")
    }

    public var description: String { "\(code): \(message)" }

    private struct Envelope: Decodable {
        struct Body: Decodable {
            var code: String
            var message: String
        }
        var error: Body
    }
}
