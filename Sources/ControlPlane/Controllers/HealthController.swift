import SQLKit
import Vapor

/// `/healthz` (the process answers) and `/readyz` (it can reach its database).
struct HealthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: healthz)
        routes.get("readyz", use: readyz)
    }

    struct Status: Content {
        var status: String
        var database: String?
    }

    func healthz(req: Request) async throws -> Status {
        Status(status: "ok")
    }

    func readyz(req: Request) async throws -> Status {
        guard let sql = req.db as? any SQLDatabase else {
            throw APIError(.serviceUnavailable, "database_unavailable", "No SQL database is configured.")
        }
        do {
            try await sql.raw("SELECT 1").run()
        } catch {
            req.logger.warning("readiness: database unreachable: \(String(reflecting: error))")
            throw APIError(.serviceUnavailable, "database_unavailable", "The database does not answer.")
        }
        return Status(status: "ready", database: "ok")
    }
}
