import Vapor

/// Tenant admins issue enrollment tokens for new agents.
struct EnrollmentTokenController: RouteCollection {
    let context: ControlPlaneContext

    func boot(routes: any RoutesBuilder) throws {
        routes.post("api", "v1", "enrollment-tokens", use: create)
    }

    func create(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let body =
            (req.body.data?.readableBytes ?? 0) > 0
            ? try req.content.decode(CreateEnrollmentTokenRequest.self)
            : CreateEnrollmentTokenRequest()
        guard let tenant = try await Tenant.find(op.tenantID, on: req.db) else {
            throw APIError.unauthenticated
        }
        let issued = try await EnrollmentTokenIssuer(database: req.db).issue(
            tenant: tenant, uses: body.uses ?? 1,
            lifetime: (body.expiresInHours ?? 24) * 3600, createdBy: op.login)
        return try await EnrollmentTokenDTO(
            token: issued.token, expiresAt: issued.expiresAt, uses: issued.uses,
            company: op.companyID, serverKey: context.identity.publicKeyText
        ).encodeResponse(status: .created, for: req)
    }
}
