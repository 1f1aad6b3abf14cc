import Foundation

extension ControlMessage {
    /// The agent tells the server how one file transfer of a session ended, for the
    /// company's file-transfer log. File contents never reach the server: only the path, the
    /// sizes and the SHA-256. The agent sends it again after a reconnect until the server
    /// answers ``FileTransferRecorded`` with the same `id`, so `id` makes the retry harmless.
    public struct FileTransferRecord: Codable, Sendable, Equatable {
        /// Upload is always toward the agent.
        public enum Direction: String, Codable, Sendable, CaseIterable {
            case upload
            case download
        }

        /// How the transfer ended.
        public enum Outcome: String, Codable, Sendable, CaseIterable {
            case completed
            case skipped
            case cancelled
            case failed
        }

        /// Chosen by the agent (a UUID); the server keeps one record per id.
        public var id: String
        public var session: String
        /// The operator of the session, as the offer named them.
        public var operatorLogin: String
        public var direction: Direction
        /// The absolute path on the agent's machine.
        public var path: String
        /// The whole file's size in bytes.
        public var size: UInt64
        /// Bytes that crossed the connection (a resumed prefix excluded).
        public var bytesMoved: UInt64
        /// Where this transfer started: 0 or the verified partial length.
        public var resumedFrom: UInt64
        /// Lower-case hex SHA-256 of the whole file, when it was verified.
        public var sha256: String?
        public var outcome: Outcome
        /// The files protocol's error code for a failure (`outside_root`, `disk_full`, …).
        public var failure: String?
        /// A sentence for a person.
        public var detail: String?
        public var endedAt: Date

        public init(
            id: String, session: String, operatorLogin: String, direction: Direction,
            path: String, size: UInt64, bytesMoved: UInt64, resumedFrom: UInt64, sha256: String?,
            outcome: Outcome, failure: String?, detail: String?, endedAt: Date
        ) {
            self.id = id
            self.session = session
            self.operatorLogin = operatorLogin
            self.direction = direction
            self.path = path
            self.size = size
            self.bytesMoved = bytesMoved
            self.resumedFrom = resumedFrom
            self.sha256 = sha256
            self.outcome = outcome
            self.failure = failure
            self.detail = detail
            self.endedAt = endedAt
        }
    }

    /// The server stored (or already had) the record with this id.
    public struct FileTransferRecorded: Codable, Sendable, Equatable {
        public var id: String

        public init(id: String) {
            self.id = id
        }
    }
}
