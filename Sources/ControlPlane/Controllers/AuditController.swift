import Fluent
import Foundation
import Vapor

/// `GET /api/v1/audit?from&to&format=json|csv`: the company's audit trail (wrong passwords,
/// lockouts, refused enrollments, key conflicts), for its admins only.
struct AuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "audit", use: list)
    }

    struct Query: Content {
        var from: String?
        var to: String?
        var format: String?
    }

    func list(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let query = try req.query.decode(Query.self)
        let from = try query.from.map { try ConnectionLogController.parseDate($0, field: "from") }
        let to = try query.to.map {
            try ConnectionLogController.parseDate($0, field: "to", endOfDay: true)
        }
        let events = try await AuditTrail(database: req.db).events(
            tenantID: op.tenantID, from: from, to: to)
        switch query.format ?? "json" {
        case "json":
            return try await events.map(AuditEventDTO.init).encodeResponse(for: req)
        case "csv":
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(
                type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            headers.add(
                name: .contentDisposition,
                value: "attachment; filename=\"audit-\(op.companyID).csv\"")
            return Response(status: .ok, headers: headers, body: .init(string: Self.csv(events)))
        default:
            throw APIError.invalidField("format", "json or csv")
        }
    }

    /// RFC 4180 CSV, one event a row, with the connection log's cell quoting.
    static func csv(_ events: [AuditEvent]) -> String {
        let time = ISO8601DateFormatter()
        var rows = ["at,kind,actor,subject,address,detail"]
        for e in events {
            rows.append(
                [
                    time.string(from: e.at), e.kind.rawValue, e.actor ?? "", e.subject ?? "",
                    e.address ?? "", e.detail,
                ]
                .map(ConnectionLogCSV.escape).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }
}
