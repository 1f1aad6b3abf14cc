import Fluent
import TsunaguCore
import Vapor

/// `POST /api/v1/relays/report`: external relays report load and ended sessions every 5 s
/// with their relay key, and learn the ticket key, their id and which sessions to close.
struct RelayReportController: RouteCollection {
    let context: ControlPlaneContext
    /// A report lists every session the relay holds, far more than other API bodies.
    static let maxBodySize = 4 << 20
    static let path = "/api/v1/relays/report"

    func boot(routes: any RoutesBuilder) throws {
        routes.on(
            .POST, "api", "v1", "relays", "report",
            body: .collect(maxSize: ByteCount(integerLiteral: Self.maxBodySize)), use: report)
    }

    func report(req: Request) async throws -> RelayReportAnswer {
        guard let key = req.headers.bearerAuthorization?.token,
            let relay = try await RelayDirectory(database: req.db).relay(forKey: key),
            let relayID = relay.id
        else {
            throw APIError(.unauthorized, "relay_key_invalid", "Unknown or disabled relay key.")
        }
        let report = try req.content.decode(RelayReport.self)
        try await Self.apply(report, from: relayID, database: req.db, context: context)
        return RelayReportAnswer(
            relayID: relayID, serverKey: context.identity.publicKeyText,
            endSessions: try await SessionBroker(database: req.db, context: context).endRequests(
                for: relayID))
    }

    /// Records a report, whether it came over HTTP or from the embedded relay.
    static func apply(
        _ report: RelayReport, from relayID: String, database: any Database,
        context: ControlPlaneContext,
        loadIncluded: Bool = true
    ) async throws {
        if loadIncluded {
            try await RelayDirectory(database: database).record(report, from: relayID)
        }
        let broker = SessionBroker(database: database, context: context)
        try await broker.relayActive(report.activeSessions, relayID: relayID)
        try await broker.relayProgress(report.progress ?? [], relayID: relayID)
        for end in report.ended {
            try await broker.relayEnded(end, relayID: relayID)
        }
    }
}

extension RelayReportAnswer: Content {}
