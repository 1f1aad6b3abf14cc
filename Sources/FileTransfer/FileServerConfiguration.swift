/// How the agent serves files: the roots, and the sizes that make a transfer as fast as the
/// relay without letting one peer hold unbounded memory.
public struct FileServerConfiguration: Sendable {
    /// The folders that may be touched.
    public var roots: FileRoots
    /// Bytes a sender keeps unacknowledged; never less than two acknowledgement intervals.
    public var window: Int
    /// Bytes per `data` frame sent.
    public var chunkSize: Int
    /// Transfers open at once on one connection; more are refused with `bad_request`.
    public var maximumTransfers: Int
    /// Received bytes queued for writing before the connection stops reading.
    public var receiveBufferLimit: Int

    /// A configuration with the defaults: 16 MiB window, 256 KiB chunks, 16 transfers,
    /// 32 MiB receive buffer.
    public init(
        roots: FileRoots, window: Int = 16 << 20, chunkSize: Int = 256 << 10,
        maximumTransfers: Int = 16, receiveBufferLimit: Int = 32 << 20
    ) {
        self.roots = roots
        self.window = window
        self.chunkSize = chunkSize
        self.maximumTransfers = maximumTransfers
        self.receiveBufferLimit = receiveBufferLimit
    }
}
