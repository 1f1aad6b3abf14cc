import Fluent
import Vapor

/// The company's devices, as operators pick them.
struct DeviceController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "devices", use: list)
    }

    func list(req: Request) async throws -> [DeviceDTO] {
        let op = try req.requireOperator()
        let now = Date()
        return try await Device.query(on: req.db).filter(\.$tenant.$id == op.tenantID)
            .sort(\.$connectionName).all().map { DeviceDTO($0, now: now) }
    }
}
