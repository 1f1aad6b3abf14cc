import Fluent
import Foundation
import Vapor

/// `GET /api/v1/file-transfers?from&to&format=json|csv`: the company's file-transfer log
/// (who moved which file of which device, which way, its size and SHA-256, and how it
/// ended), for its admins only.
struct FileTransferController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "file-transfers", use: list)
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
        let entries = try await FileTransferLog(database: req.db).entries(
            tenantID: op.tenantID, from: from, to: to)
        switch query.format ?? "json" {
        case "json":
            return try await entries.map(FileTransferDTO.init).encodeResponse(for: req)
        case "csv":
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(
                type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            headers.add(
                name: .contentDisposition,
                value: "attachment; filename=\"file-transfers-\(op.companyID).csv\"")
            return Response(status: .ok, headers: headers, body: .init(string: Self.csv(entries)))
        default:
            throw APIError.invalidField("format", "json or csv")
        }
    }

    /// RFC 4180 CSV, one transfer a row, with the connection log's cell quoting.
    static func csv(_ entries: [FileTransferEntry]) -> String {
        let time = ISO8601DateFormatter()
        var rows = [
            "ended_at,session_id,device,operator,direction,path,size,bytes_moved,resumed_from,sha256,outcome,failure,detail"
        ]
        for e in entries {
            rows.append(
                [
                    time.string(from: e.endedAt), e.sessionID.uuidString.lowercased(), e.deviceName,
                    e.operatorLogin, e.direction.rawValue, e.path, String(e.size),
                    String(e.bytesMoved),
                    String(e.resumedFrom), e.sha256 ?? "", e.outcome.rawValue, e.failure ?? "",
                    e.detail ?? "",
                ]
                .map(ConnectionLogCSV.escape).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }
}
