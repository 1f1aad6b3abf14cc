import Foundation
import NIOCore
import NIOHTTP1

/// A JSON error answered by the HTTP front itself, before Vapor sees the request, in the shape
/// of every API error: `{"error":{"code":"…","message":"…"}}`. Always ends the connection.
struct HTTPErrorResponse {
    let status: HTTPResponseStatus
    let code: String
    let message: String

    static let headerTooLarge = HTTPErrorResponse(
        status: .requestHeaderFieldsTooLarge, code: "header_too_large",
        message: "The request's headers are too large.")
    static let uriTooLong = HTTPErrorResponse(
        status: .uriTooLong, code: "uri_too_long", message: "The request line is too long.")
    static let requestTimeout = HTTPErrorResponse(
        status: .requestTimeout, code: "request_timeout",
        message: "The request head did not arrive in time.")
    static let badRequest = HTTPErrorResponse(
        status: .badRequest, code: "bad_request", message: "The request is not valid HTTP/1.1.")
    static let bodyTooLarge = HTTPErrorResponse(
        status: .payloadTooLarge, code: "payload_too_large",
        message: "The request body is too large.")

    /// The body bytes; JSONSerialization escapes the message.
    func body(allocator: ByteBufferAllocator) -> ByteBuffer {
        let object = ["error": ["code": code, "message": message]]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return allocator.buffer(bytes: data)
    }

    /// Head and body, framed with Content-Length and `Connection: close`.
    func parts(allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        let body = self.body(allocator: allocator)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Server", value: TsunaguHTTPServer.serverName)
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }

    /// Writes the whole answer on `context` (which must sit after the HTTP response encoder)
    /// and closes the connection once it is out.
    func write(on context: ChannelHandlerContext) {
        let (head, body) = parts(allocator: context.channel.allocator)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// The `Date` header's IMF-fixdate (RFC 9110 §5.6.7), formatted by hand: DateFormatter is
/// neither cheap nor Sendable, and the format never changes.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    static func now() -> String { string(for: time(nil)) }

    static func string(for seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
