import FileTransfer
import Foundation
import Logging
import NIOCore
import RelayClient
import TsunaguCore

/// The `files` channel: the agent's roots over the relay connection (FileTransfer's
/// PROTOCOL.md), each finished transfer reported to the server's file-transfer log.
struct FilesChannelService: SessionChannelService {
    let configuration: FileServerConfiguration
    let outbox: FileTransferOutbox
    let logger: Logger

    var channel: SessionChannel { .files }

    /// The roots were checked when the agent started; a root removed since then is left out
    /// of listings, so there is nothing to refuse here.
    func refusal(for offer: ControlMessage.Offer) async -> SessionEndReason? { nil }

    func serve(over connection: any Channel, offer: ControlMessage.Offer) async throws {
        let (outbox, logger) = (outbox, logger)
        try await FileServerHandler.install(on: connection, configuration: configuration) {
            report in
            logger.notice(
                "session \(offer.session) \(report.direction.rawValue) \(report.path): \(report.outcome) (\(report.bytesMoved) bytes moved)"
            )
            let record = ControlMessage.FileTransferRecord(
                id: UUID().uuidString.lowercased(), session: offer.session,
                operatorLogin: offer.operatorLogin, report: report, endedAt: Date())
            Task { await outbox.add(record) }
        }.get()
        try await RelayDialer.startForwarding(connection).get()
        try await connection.closeFuture.get()
    }
}

extension ControlMessage.FileTransferRecord {
    /// The record of a report, for the server's log.
    init(
        id: String, session: String, operatorLogin: String, report: FileTransferReport,
        endedAt: Date
    ) {
        let outcome: ControlMessage.FileTransferRecord.Outcome
        var failure: String?
        switch report.outcome {
        case .completed: outcome = .completed
        case .skipped: outcome = .skipped
        case .failed(let code):
            outcome = code == .cancelled ? .cancelled : .failed
            failure = code.rawValue
        }
        self.init(
            id: id, session: session, operatorLogin: operatorLogin,
            direction: report.direction == .upload ? .upload : .download, path: report.path,
            size: report.totalSize, bytesMoved: report.bytesMoved, resumedFrom: report.resumedFrom,
            sha256: report.sha256.isEmpty ? nil : report.sha256, outcome: outcome, failure: failure,
            detail: report.detail, endedAt: endedAt)
    }
}
