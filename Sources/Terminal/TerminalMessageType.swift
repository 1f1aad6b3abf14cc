/// The type byte of a frame (PROTOCOL.md lists the payload of each).
public enum TerminalMessageType: UInt8, Sendable, Hashable, CaseIterable {
    case open = 0x01
    case attach = 0x02
    case opened = 0x03
    case input = 0x04
    case output = 0x05
    case resize = 0x06
    case exited = 0x07
    case failure = 0x08
}

/// Constants of the terminal protocol shared by both ends.
public enum TerminalProtocol {
    /// The version `open` and `attach` carry; an agent refuses any other with
    /// `unsupported_version`.
    public static let version: UInt8 = 1
    /// The default largest frame body (type byte and payload): 1 MiB.
    public static let defaultMaximumFrameSize = 1 << 20
    /// The smallest frame limit an end may set: room for every fixed-size message and a
    /// useful chunk of output.
    public static let minimumFrameSize = 1024
    /// At most this many command arguments in `open`.
    public static let maximumArguments = 1024
    /// At most this many environment variables in `open`.
    public static let maximumEnvironment = 1024
    /// Input and output travel in chunks of at most this many bytes, so that a keystroke is
    /// never queued behind a megabyte and frames stay far below any limit.
    public static let maximumChunk = 64 * 1024

}

extension TerminalMessage {
    /// The type byte of this message.
    public var type: TerminalMessageType {
        switch self {
        case .open: .open
        case .attach: .attach
        case .opened: .opened
        case .input: .input
        case .output: .output
        case .resize: .resize
        case .exited: .exited
        case .failure: .failure
        }
    }
}
