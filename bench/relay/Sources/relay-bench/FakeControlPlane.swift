import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers `POST /api/v1/relays/report` with the relay id and the bench's ticket key.
enum FakeControlPlane {
    static func start(answer: String) async throws -> (Channel, Int) {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (server, server.localAddress!.port!)
    }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: String
        init(answer: String) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(answer.utf8.count))
            context.write(
                wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(
                    .body(.byteBuffer(context.channel.allocator.buffer(string: answer)))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
