import Fluent
import Vapor

/// `GET /api/v1/connection-log?from&to&operator&device&format=json|csv`: admins see the
/// whole company's log, operators their own sessions.
struct ConnectionLogController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "connection-log", use: list)
    }

    struct Query: Content {
        var from: String?
        var to: String?
        var `operator`: String?
        var device: String?
        var format: String?
    }

    func list(req: Request) async throws -> Response {
        let op = try req.requireOperator()
        let query = try req.query.decode(Query.self)
        let from = try query.from.map { try Self.parseDate($0, field: "from") }
        let to = try query.to.map { try Self.parseDate($0, field: "to", endOfDay: true) }
        let operatorFilter = op.role == .admin ? query.operator?.lowercased() : op.login
        let records = try await ConnectionLog(database: req.db).records(
            tenantID: op.tenantID, from: from, to: to, operatorLogin: operatorFilter,
            deviceName: query.device?.lowercased())
        switch query.format ?? "json" {
        case "json":
            return try await records.map(ConnectionRecordDTO.init).encodeResponse(for: req)
        case "csv":
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            headers.add(name: .contentDisposition, value: "attachment; filename=\"connection-log-\(op.companyID).csv\"")
            return Response(status: .ok, headers: headers, body: .init(string: ConnectionLogCSV.render(records)))
        default:
            throw APIError.invalidField("format", "json or csv")
        }
    }

    /// `2026-11-28` (start of that day UTC, or its end for `to`) or a full ISO 8601 time.
    static func parseDate(_ text: String, field: String, endOfDay: Bool = false) throws -> Date {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = day.date(from: text) else {
            throw APIError.invalidField(field, "use YYYY-MM-DD or an ISO 8601 time")
        }
        return endOfDay ? date.addingTimeInterval(86_400) : date
    }
}
