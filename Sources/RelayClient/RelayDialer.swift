import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Dials a relay's WebSocket (`wss://…/relay/v1`), shows the ticket and returns the channel
/// once the other end is there: from then on it carries the session's bytes as plain
/// `ByteBuffer`s both ways. Used by the agent and by the operator's command line.
public enum RelayDialer {
    /// Why dialling failed.
    public enum DialError: Error, CustomStringConvertible {
        case badURL(String)
        case upgradeFailed

        public var description: String {
            switch self {
            case .badURL(let url): "not a relay URL (wss://HOST/relay/v1, ws:// only to loopback): \(url)"
            case .upgradeFailed: "the relay did not accept the WebSocket upgrade"
            }
        }
    }

    /// Lets bytes from the peer flow into the handlers the caller added after dialling;
    /// until then they are held. Call it once the channel's own handlers are in place.
    public static func startForwarding(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.triggerUserOutboundEvent(RelayClientFramingHandler.StartForwarding())
    }

    /// Connects, upgrades, sends `ticket` and waits (at most `timeout`) for the peer. The
    /// returned channel holds the peer's bytes until ``startForwarding(_:)``.
    public static func dial(_ urlText: String, ticket: String, group: any EventLoopGroup, timeout: Duration = .seconds(40))
        async throws -> any Channel
    {
        guard let url = URL(string: urlText), let host = url.host, let scheme = url.scheme?.lowercased(),
            scheme == "wss" || (scheme == "ws" && (host == "localhost" || host == "::1" || host.hasPrefix("127.")))
        else { throw DialError.badURL(urlText) }
        let port = url.port ?? (scheme == "wss" ? 443 : 80)
        let path = url.path.isEmpty ? "/" : url.path
        let tls = scheme == "wss" ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let loop = group.next()
        let upgraded = loop.makePromise(of: Void.self)
        let paired = loop.makePromise(of: Void.self)

        // Both promises end on every path: a promise left pending is a leak (and a trap in
        // debug builds) when the relay cannot be reached.
        let abandon = { (error: any Error) in
            upgraded.fail(error)
            paired.fail(error)
        }
        let connecting = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: host))
                    }
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: 1 << 20,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOWebSocketFrameAggregator(
                                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024,
                                        maxAccumulatedFrameSize: 1 << 24))
                                try channel.pipeline.syncOperations.addHandler(
                                    RelayClientFramingHandler(ticket: ticket, paired: paired))
                                upgraded.succeed()
                            }
                        })
                    let config: NIOHTTPClientUpgradeSendableConfiguration = (
                        upgraders: [upgrader],
                        completionHandler: { _ in }
                    )
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(withClientUpgrade: config)
                }
            }
            .connect(host: host, port: port)
        let channel: any Channel
        do {
            channel = try await connecting.get()
        } catch {
            abandon(error)
            throw error
        }
        channel.closeFuture.whenComplete { _ in
            upgraded.fail(DialError.upgradeFailed)
            paired.fail(RelayClientFramingHandler.JoinError.closedBeforePairing)
        }

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        do {
            try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        } catch {
            abandon(error)
            channel.close(promise: nil)
            throw error
        }

        let deadline = loop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)) {
            upgraded.fail(DialError.upgradeFailed)
            paired.fail(RelayClientFramingHandler.JoinError.closedBeforePairing)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        try await upgraded.futureResult.get()
        try await paired.futureResult.get()
        return channel
    }
}
