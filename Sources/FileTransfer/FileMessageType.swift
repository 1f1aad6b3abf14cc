/// The type byte of each frame, in one table (PROTOCOL.md mirrors it).
enum FileMessageType: UInt8, CaseIterable {
    case hello = 0x01

    case list = 0x10
    case stat = 0x11
    case makeFolder = 0x12
    case rename = 0x13
    case delete = 0x14
    case openRead = 0x15
    case openWrite = 0x16

    case entries = 0x20
    case statReply = 0x21
    case ok = 0x22
    case failure = 0x23
    case readOpened = 0x24
    case writeOpened = 0x25
    case skipped = 0x26

    case data = 0x30
    case ack = 0x31
    case finish = 0x32
    case done = 0x33
    case cancel = 0x34
    case transferFailed = 0x35
}

extension FileMessage {
    var type: FileMessageType {
        switch self {
        case .hello: .hello
        case .list: .list
        case .stat: .stat
        case .makeFolder: .makeFolder
        case .rename: .rename
        case .delete: .delete
        case .openRead: .openRead
        case .openWrite: .openWrite
        case .entries: .entries
        case .statReply: .statReply
        case .ok: .ok
        case .failure: .failure
        case .readOpened: .readOpened
        case .writeOpened: .writeOpened
        case .skipped: .skipped
        case .data: .data
        case .ack: .ack
        case .finish: .finish
        case .done: .done
        case .cancel: .cancel
        case .transferFailed: .transferFailed
        }
    }
}

/// Sizes fixed by the protocol.
public enum FileProtocolLimits {
    /// The largest frame body (type byte and payload) a peer must accept by default:
    /// 1 MiB of data plus room for the data header.
    public static let defaultMaximumFrameLength = 1 << 20 + 64
    /// The largest `data` payload a sender may put in one frame.
    public static let maximumDataChunk = 1 << 20
    /// A receiver acknowledges at least every this many written bytes, and at a transfer's
    /// end; a sender's window must be at least twice this, or the transfer would stall.
    public static let acknowledgementInterval = 1 << 20
    /// The longest path, in UTF-8 bytes, a request may carry.
    public static let maximumPathLength = 4096
    /// Senders cut failure messages to this many UTF-8 bytes.
    public static let maximumMessageLength = 1024
}
