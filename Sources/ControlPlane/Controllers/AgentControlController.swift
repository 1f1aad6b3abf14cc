import Vapor

/// `GET /api/v1/agent/ws`: where agents keep their outbound control connection.
struct AgentControlController: RouteCollection {
    let context: ControlPlaneContext

    func boot(routes: any RoutesBuilder) throws {
        routes.webSocket(
            "api", "v1", "agent", "ws",
            maxFrameSize: WebSocketMaxFrameSize(integerLiteral: 64 * 1024)
        ) { req, socket in
            let session = AgentControlSession(
                socket: socket, database: req.db, context: context, logger: req.logger,
                address: req.clientAddress(context))
            Task { await session.run() }
        }
    }
}
