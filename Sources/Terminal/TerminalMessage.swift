import NIOCore

/// One message of the terminal channel (see PROTOCOL.md for the bytes).
///
/// The operator sends `open` or `attach` first, then `input` and `resize`; the agent answers
/// `opened` or `failure`, then sends `output` until `exited` (or `failure` when another
/// connection took the terminal over).
public enum TerminalMessage: Sendable, Hashable {
    /// Operator → agent: start a terminal of `size` running `command` (the login shell when
    /// empty), with `environment` added to the child's environment.
    case open(TerminalOpenRequest)
    /// Operator → agent: attach to a terminal whose connection dropped, by its token.
    case attach(TerminalToken)
    /// Agent → operator: the terminal is attached; `replay` is its most recent output (empty
    /// for a new terminal unless it already printed something), to redraw the screen from.
    case opened(token: TerminalToken, replay: ByteBuffer)
    /// Operator → agent: bytes typed (or pasted) into the terminal.
    case input(ByteBuffer)
    /// Agent → operator: bytes the terminal printed.
    case output(ByteBuffer)
    /// Operator → agent: the window now has this size.
    case resize(TerminalSize)
    /// Agent → operator: the process ended; the last message on the connection.
    case exited(TerminalExitStatus)
    /// Agent → operator: a refusal or an end that is not an exit; the agent closes next.
    case failure(TerminalError)
}

/// A terminal window's size in character cells.
public struct TerminalSize: Sendable, Hashable, CustomStringConvertible {
    /// Cells per line.
    public var columns: UInt16
    /// Lines.
    public var rows: UInt16

    /// A size of `columns` × `rows` cells.
    public init(columns: UInt16, rows: UInt16) {
        self.columns = columns
        self.rows = rows
    }

    public var description: String { "\(columns)x\(rows)" }
}

/// What an `open` asks for.
public struct TerminalOpenRequest: Sendable, Hashable {
    /// The window size to start with.
    public var size: TerminalSize
    /// The program and its arguments (looked up in `PATH` when the first has no `/`); empty
    /// for the login shell of the user the agent runs as.
    public var command: [String]
    /// Variables added to the child's environment (the agent's own additions win).
    public var environment: [String: String]

    /// A request for a terminal of `size` running `command`.
    public init(size: TerminalSize, command: [String] = [], environment: [String: String] = [:]) {
        self.size = size
        self.command = command
        self.environment = environment
    }
}

/// How a terminal's process ended.
public enum TerminalExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this code (0–255).
    case exited(Int32)
    /// A signal (this number) killed it.
    case signaled(Int32)

    /// The shell convention: the exit code, or 128 + the signal number.
    public var code: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}
