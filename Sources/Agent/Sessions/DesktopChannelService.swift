import Logging
import NIOCore
import NIOPosix
import RFB
import RelayClient
import TsunaguCore

/// The `desktop` channel: the built-in X11 capture, or in gateway mode (`--vnc`) a bridge to
/// the existing VNC server, over the relay connection.
struct DesktopChannelService: SessionChannelService {
    let runtime: AgentRuntime
    let group: any EventLoopGroup
    let logger: Logger

    var channel: SessionChannel { .desktop }

    func refusal(for offer: ControlMessage.Offer) async -> SessionEndReason? {
        switch runtime.configuration.screen {
        case .x11:
            do {
                try await runtime.prepareDesktop()
                return nil
            } catch {
                logger.warning("desktop unavailable for session \(offer.session): \(error)")
                return .channelUnavailable
            }
        case .vncServer(let backend):
            // Probe the backend: a gateway whose VNC server is down must say so, not accept.
            do {
                let probe = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(3))
                    .connect(host: backend.host, port: backend.port).get()
                try? await probe.close()
                return nil
            } catch {
                logger.warning(
                    "VNC backend \(backend.host):\(backend.port) unreachable; refusing session \(offer.session): \(error)"
                )
                return .channelUnavailable
            }
        }
    }

    func serve(over connection: any Channel, offer: ControlMessage.Offer) async throws {
        let configuration = runtime.configuration
        switch configuration.screen {
        case .x11:
            try await runtime.serveRFB(over: connection)
        case .vncServer(let backend):
            // The session is authorised by the server; the relay connection needs no VNC
            // password of ours (the backend's own is still answered by the gateway).
            let logger = logger
            try await connection.eventLoop.submit {
                try connection.pipeline.syncOperations.addHandler(
                    GatewayConnectionHandler(
                        backendHost: backend.host, backendPort: backend.port,
                        backendPassword: configuration.backendPassword, security: .none,
                        logger: logger))
            }.get()
        }
        try await RelayDialer.startForwarding(connection).get()
        try await connection.closeFuture.get()
    }
}
