import Fluent
import Vapor

/// Tenant admins manage their operators within their seats.
struct OperatorController: RouteCollection {
    let hasher: BcryptHasher

    func boot(routes: any RoutesBuilder) throws {
        let operators = routes.grouped("api", "v1", "operators")
        operators.get(use: list)
        operators.post(use: create)
        operators.patch(":operatorID", use: update)
    }

    func list(req: Request) async throws -> OperatorRosterDTO {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let tenant = try await requireTenant(op, on: req.db)
        let roster = OperatorRoster(database: req.db, hasher: hasher)
        let all = try await roster.list(tenantID: op.tenantID)
        return OperatorRosterDTO(
            seats: tenant.seats, seatsUsed: all.filter(\.active).count,
            operators: try all.map { try OperatorDTO($0, company: op.companyID) })
    }

    func create(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let body = try req.content.decode(CreateOperatorRequest.self)
        let tenant = try await requireTenant(op, on: req.db)
        let created = try await OperatorRoster(database: req.db, hasher: hasher).create(
            tenant: tenant, login: body.login, password: body.password, role: body.role ?? .operator)
        return try await OperatorDTO(created, company: op.companyID).encodeResponse(
            status: .created, for: req)
    }

    func update(req: Request) async throws -> OperatorDTO {
        let op = try req.requireOperator()
        try op.requireAdmin()
        guard let id = req.parameters.get("operatorID", as: UUID.self) else {
            throw APIError(.notFound, "operator_not_found", "No such operator in this company.")
        }
        let body = try req.content.decode(UpdateOperatorRequest.self)
        if id == op.operatorID && !body.active {
            throw APIError(.conflict, "cannot_deactivate_self", "You cannot deactivate yourself.")
        }
        let tenant = try await requireTenant(op, on: req.db)
        let changed = try await OperatorRoster(database: req.db, hasher: hasher)
            .setActive(body.active, operatorID: id, tenant: tenant)
        return try OperatorDTO(changed, company: op.companyID)
    }

    private func requireTenant(_ op: AuthenticatedOperator, on db: any Database) async throws -> Tenant {
        guard let tenant = try await Tenant.find(op.tenantID, on: db) else {
            throw APIError.unauthenticated
        }
        return tenant
    }
}
