import Fluent
import Foundation
import NIOHTTP1
import NIOWebSocket
import Relay
import TsunaguCore
import Vapor

/// The relay inside `tsunagu-server` (the embedded default): served on `GET /relay/v1` of the
/// server's own HTTP port, reporting to the control plane in-process.
final class EmbeddedRelay: RelayControl {
    let relay: Relay

    init(identity: ServerIdentity, relayID: String, group: any EventLoopGroup) async {
        relay = await Relay(
            configuration: RelayConfiguration(
                serverKey: identity.privateKey.publicKey, relayID: relayID),
            group: group)
    }

    func end(session: String, relayID: String) async {
        guard relayID == relay.configuration.relayID else { return }
        relay.end(session: session)
    }

    /// The URL browsers and agents dial: the public URL's host, else the listen address.
    static func url(for configuration: ServerConfiguration) -> String {
        if let publicURL = configuration.publicURL, var components = URLComponents(string: publicURL) {
            components.scheme = components.scheme == "https" ? "wss" : "ws"
            components.path = Relay.webSocketPath
            if let url = components.string { return url }
        }
        let scheme = configuration.tls == nil ? "ws" : "wss"
        let host = configuration.listenHost.contains(":") ? "[\(configuration.listenHost)]" : configuration.listenHost
        return "\(scheme)://\(host):\(configuration.listenPort)\(Relay.webSocketPath)"
    }

    /// `GET /relay/v1`: hands the upgraded connection to the relay's own NIO handlers, so
    /// the embedded relay copies bytes exactly as the standalone one does.
    func register(on routes: any RoutesBuilder) {
        let relay = self.relay
        routes.get("relay", "v1") { _ -> Response in
            let response = Response(status: .switchingProtocols)
            response.upgrader = RelayUpgrader(relay: relay)
            return response
        }
    }
}

/// Vapor upgrader that gives the connection to the relay's own WebSocket handling.
private struct RelayUpgrader: Upgrader {
    let relay: Relay

    func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
        relay.webSocketUpgrader()
    }
}
