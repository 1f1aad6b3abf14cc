import Fluent
import Vapor

/// Operators ask for sessions and end them.
struct SessionController: RouteCollection {
    let context: ControlPlaneContext

    func boot(routes: any RoutesBuilder) throws {
        let sessions = routes.grouped("api", "v1", "sessions")
        sessions.post(use: create)
        sessions.get(":sessionID", use: show)
        sessions.delete(":sessionID", use: end)
        sessions.post(":sessionID", "channels", use: openChannel)
    }

    func create(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        let body = try req.content.decode(CreateSessionRequest.self)
        let requested = try await SessionBroker(database: req.db, context: context).request(
            by: op, deviceName: body.device, password: body.password,
            channel: body.channel ?? .desktop, from: req.clientAddress(context))
        return try await CreatedSessionDTO(requested).encodeResponse(status: .created, for: req)
    }

    /// Another channel of a live session: a ticket, no second password or consent.
    func openChannel(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        guard let id = req.parameters.get("sessionID", as: UUID.self) else {
            throw APIError(.notFound, "session_not_found", "No such session of yours.")
        }
        let body = try req.content.decode(OpenChannelRequest.self)
        let requested = try await SessionBroker(database: req.db, context: context).openChannel(
            body.channel, sessionID: id, by: op)
        return try await CreatedSessionDTO(requested).encodeResponse(status: .created, for: req)
    }

    /// One session: the operator's own; a company admin's, any of the company's. Another
    /// operator's session answers 404, as one that does not exist.
    func show(req: Request) async throws -> SessionDTO {
        let op = try req.requireOperator()
        guard let id = req.parameters.get("sessionID", as: UUID.self),
            let session = try await RemoteSession.query(on: req.db).filter(\.$id == id)
                .filter(\.$tenant.$id == op.tenantID).first(),
            op.role == .admin || session.$operator.id == op.operatorID
        else {
            throw APIError(.notFound, "session_not_found", "No such session in your company.")
        }
        return try await SessionDTO(session, on: req.db)
    }

    func end(req: Request) async throws -> SessionDTO {
        let op = try req.requireOperator()
        guard let id = req.parameters.get("sessionID", as: UUID.self) else {
            throw APIError(.notFound, "session_not_found", "No such session in your company.")
        }
        return try await SessionDTO(
            try await SessionBroker(database: req.db, context: context).end(sessionID: id, by: op),
            on: req.db)
    }
}
