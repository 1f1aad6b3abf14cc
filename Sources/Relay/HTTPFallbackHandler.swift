import NIOCore
import NIOHTTP1

/// Answers the HTTP requests that are not a WebSocket upgrade on `/relay/v1`: 426 on the
/// relay path (a plain GET), 404 elsewhere, in the API's error shape, then closes.
final class HTTPFallbackHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let path: String

    init(path: String) {
        self.path = path
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let onPath = head.uri.split(separator: "?").first.map(String.init) == path
        let status: HTTPResponseStatus = onPath ? .upgradeRequired : .notFound
        let code = onPath ? "websocket_required" : "not_found"
        let body = #"{"error":{"code":""# + code + #"","message":"\#(status.reasonPhrase)"}}"#
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        let responseHead = HTTPResponseHead(
            version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        let buffer = context.channel.allocator.buffer(string: body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
