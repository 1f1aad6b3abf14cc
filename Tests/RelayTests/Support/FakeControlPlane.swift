import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TsunaguCore

/// A tiny stand-in for the control plane's `POST /api/v1/relays/report`: records each report
/// and its bearer token, and answers what the test sets (or 503 while `down`).
final class FakeControlPlane: Sendable {
    struct State: Sendable {
        var reports: [RelayReport] = []
        var tokens: [String] = []
        var down = false
        var answer: RelayReportAnswer
    }

    let state: NIOLockedValueBox<State>
    private let server: Channel
    var port: Int { server.localAddress!.port! }

    private init(state: NIOLockedValueBox<State>, server: Channel) {
        self.state = state
        self.server = server
    }

    static func start(answer: RelayReportAnswer, down: Bool = false) async throws
        -> FakeControlPlane
    {
        let state = NIOLockedValueBox(State(down: down, answer: answer))
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeControlPlane(state: state, server: server)
    }

    func stop() async {
        try? await server.close()
    }

    /// Every ended-channel record received so far.
    var ended: [RelaySessionEnd] { state.withLockedValue { $0.reports.flatMap(\.ended) } }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<State>
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()

        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let encoder = JSONEncoder()
            let token = head?.headers.first(name: "Authorization") ?? ""
            let path = head?.uri ?? ""
            let report = try? decoder.decode(RelayReport.self, from: Data(body.readableBytesView))
            let (status, text): (HTTPResponseStatus, String) = state.withLockedValue { state in
                guard !state.down else { return (.serviceUnavailable, "{}") }
                guard path == "/api/v1/relays/report", let report else {
                    return (.badRequest, "{}")
                }
                state.reports.append(report)
                state.tokens.append(token)
                let answer = state.answer
                state.answer.endSessions = []
                return (.ok, String(decoding: try! encoder.encode(answer), as: UTF8.self))
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            context.write(
                wrapOutboundOut(.head(.init(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
