/// A refusal or failure of the terminal channel: a closed set of codes both ends (and a
/// JavaScript client) can act on, and a message for a human.
public struct TerminalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. The raw value travels on the wire (see PROTOCOL.md) and shows in
    /// logs; the set is fixed per protocol version.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// This agent does not offer terminals (its configuration turned them off).
        case terminalDisabled = "terminal_disabled"
        /// No terminal has this token: it never existed, its grace period ran out, or it ended.
        case notFound = "not_found"
        /// The process could not be started (no such program, no PTY, too many terminals).
        case spawnFailed = "spawn_failed"
        /// The request is malformed or out of order.
        case badRequest = "bad_request"
        /// The peers speak different protocol versions.
        case unsupportedVersion = "unsupported_version"
        /// Another connection attached to this terminal; this one is closed.
        case takenOver = "taken_over"
    }

    /// The closed-set reason.
    public var code: Code
    /// A sentence for a human.
    public var message: String

    /// A failure with `code` and a human `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
