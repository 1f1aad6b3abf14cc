import Foundation
import TsunaguCore
import Vapor

/// One row of `GET /api/v1/file-transfers`.
struct FileTransferDTO: Content {
    var id: UUID?
    var sessionId: UUID
    var device: String
    var `operator`: String
    var direction: ControlMessage.FileTransferRecord.Direction
    var path: String
    var size: Int64
    var bytesMoved: Int64
    var resumedFrom: Int64
    var sha256: String?
    var outcome: ControlMessage.FileTransferRecord.Outcome
    var failure: String?
    var detail: String?
    var endedAt: Date

    init(_ entry: FileTransferEntry) {
        id = entry.id
        sessionId = entry.sessionID
        device = entry.deviceName
        self.operator = entry.operatorLogin
        direction = entry.direction
        path = entry.path
        size = entry.size
        bytesMoved = entry.bytesMoved
        resumedFrom = entry.resumedFrom
        sha256 = entry.sha256
        outcome = entry.outcome
        failure = entry.failure
        detail = entry.detail
        endedAt = entry.endedAt
    }
}
