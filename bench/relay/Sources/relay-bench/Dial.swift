import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// How a benchmark connection reaches its far end.
enum Dial: Sendable {
    /// Plain TCP (direct to a sink, or through HAProxy).
    case tcp(port: Int)
    /// WebSocket (websockify without a ticket, the relay with one).
    case webSocket(port: Int, path: String, ticket: String?)
    /// The relay's raw TCP mode.
    case relayTCP(port: Int, ticket: String)
}

/// One open benchmark connection.
struct Stream: Sendable {
    let channel: Channel
    let ready: EventLoopFuture<Void>
    let finished: EventLoopFuture<Void>

    func go() { channel.pipeline.fireUserInboundEventTriggered(Go()) }
}

enum Connector {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func open(_ dial: Dial, behaviour: Behaviour) async throws -> Stream {
        let port: Int
        switch dial {
        case .tcp(let p), .webSocket(let p, _, _), .relayTCP(let p, _): port = p
        }
        let promises = NIOLockedValueBox<(EventLoopFuture<Void>, EventLoopFuture<Void>)?>(nil)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ready = channel.eventLoop.makePromise(of: Void.self)
                    let finished = channel.eventLoop.makePromise(of: Void.self)
                    promises.withLockedValue { $0 = (ready.futureResult, finished.futureResult) }
                    let sync = channel.pipeline.syncOperations
                    switch dial {
                    case .tcp: break
                    case .webSocket(_, let path, let ticket):
                        try sync.addHandler(
                            WebSocketClientHandler(host: "127.0.0.1", path: path, ticket: ticket))
                    case .relayTCP(_, let ticket):
                        try sync.addHandler(RelayGreeting(ticket: ticket))
                    }
                    try sync.addHandler(
                        BenchEndpoint(behaviour: behaviour, ready: ready, finished: finished))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let (ready, finished) = promises.withLockedValue { $0! }
        if case .tcp = dial { channel.pipeline.fireUserInboundEventTriggered(Ready()) }
        return Stream(channel: channel, ready: ready, finished: finished)
    }

    /// A listener whose accepted connections behave as `behaviour` (the sinks behind the
    /// proxies).
    static func listen(behaviour: Behaviour) async throws -> (Channel, Int) {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let loop = channel.eventLoop
                    try channel.pipeline.syncOperations.addHandler(
                        BenchEndpoint(
                            behaviour: behaviour, ready: loop.makePromise(),
                            finished: loop.makePromise()))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (server, server.localAddress!.port!)
    }

    /// A free loopback port for a child process to bind.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}
