import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TsunaguCore

/// Talks to the control plane's `POST /api/v1/relays/report` with the relay key.
public struct RelayControlPlaneClient: Sendable {
    /// A report the control plane did not accept.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    let reportURL: String
    let relayKey: String
    let timeout: TimeAmount

    /// A client for the control plane at `server` (its base URL), authenticated by `relayKey`.
    public init(server: String, relayKey: String, timeout: TimeAmount = .seconds(4)) {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.reportURL = base + "/api/v1/relays/report"
        self.relayKey = relayKey
        self.timeout = timeout
    }

    /// Sends `report`; the answer names the relay, the server key and sessions to end.
    public func send(_ report: RelayReport) async throws -> RelayReportAnswer {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var request = HTTPClientRequest(url: reportURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(relayKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try encoder.encode(report)))
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw Failure(description: "report answered \(response.status.code)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RelayReportAnswer.self, from: Data(body.readableBytesView))
    }
}
