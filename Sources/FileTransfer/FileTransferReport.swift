/// What became of one file's transfer: given to the agent's `onTransfer` (for its log) and
/// returned by the client's `download`/`upload`.
public struct FileTransferReport: Sendable, Hashable {
    /// Which way the file went; "upload" is always toward the agent.
    public enum Direction: String, Sendable, Hashable {
        /// Operator to agent.
        case upload
        /// Agent to operator.
        case download
    }

    /// How the transfer ended.
    public enum Outcome: Sendable, Hashable {
        /// The whole file was verified and put in place.
        case completed
        /// The target existed and the policy said to leave it.
        case skipped
        /// The transfer stopped; `detail` says why.
        case failed(FileError.Code)
    }

    /// Upload or download.
    public var direction: Direction
    /// The remote (agent-side) path.
    public var path: String
    /// The file's whole size in bytes.
    public var totalSize: UInt64
    /// Bytes that crossed the connection this time (excluding a resumed prefix).
    public var bytesMoved: UInt64
    /// The offset this transfer started from: 0, or the length of a verified partial file.
    public var resumedFrom: UInt64
    /// Lower-case hex SHA-256 of the whole file; empty when it never got that far.
    public var sha256: String
    /// Completed, skipped or failed.
    public var outcome: Outcome
    /// The failure's message, for a failed outcome.
    public var detail: String?

    /// A report.
    public init(
        direction: Direction, path: String, totalSize: UInt64, bytesMoved: UInt64,
        resumedFrom: UInt64, sha256: String, outcome: Outcome, detail: String? = nil
    ) {
        self.direction = direction
        self.path = path
        self.totalSize = totalSize
        self.bytesMoved = bytesMoved
        self.resumedFrom = resumedFrom
        self.sha256 = sha256
        self.outcome = outcome
        self.detail = detail
    }
}

/// How far a transfer is, for a progress display.
public struct FileProgress: Sendable, Hashable {
    /// Bytes in place at the receiver, counting a resumed prefix.
    public var bytesDone: UInt64
    /// All bytes to move (for a folder, of every file in it).
    public var totalBytes: UInt64
    /// The recent rate, over the last few seconds.
    public var bytesPerSecond: Double
    /// At the recent rate; nil until a rate is known.
    public var secondsLeft: Double?

    /// A progress value.
    public init(bytesDone: UInt64, totalBytes: UInt64, bytesPerSecond: Double, secondsLeft: Double?)
    {
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
        self.bytesPerSecond = bytesPerSecond
        self.secondsLeft = secondsLeft
    }
}
