#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The local terminal of the `tsunagu shell` command line in raw mode: every byte typed goes to
/// the remote terminal as it is (Ctrl+C included: it interrupts the remote program, not the
/// command line), nothing is echoed locally, output is written untranslated.
///
/// ```swift
/// let raw = try RawTerminalMode()          // standard input
/// defer { raw.restore() }
/// ```
///
/// The original settings come back with `restore()` or when the value is deinitialised. (A
/// process killed by SIGKILL cannot restore; `stty sane` repairs the terminal then.)
public final class RawTerminalMode {
    /// Why raw mode could not be entered.
    public enum Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The descriptor is not a terminal (input is a pipe or a file).
        case notATerminal(Int32)
        /// tcgetattr or tcsetattr failed with this errno.
        case failed(operation: String, errno: Int32)

        public var description: String {
            switch self {
            case .notATerminal(let descriptor): "descriptor \(descriptor) is not a terminal"
            case .failed(let operation, let code):
                "\(operation): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The terminal put into raw mode.
    public let descriptor: Int32
    private let original: termios
    private var isRestored = false

    /// Puts the terminal of `descriptor` into raw mode (cfmakeraw).
    public init(descriptor: Int32 = STDIN_FILENO) throws(Error) {
        guard isatty(descriptor) == 1 else { throw Error.notATerminal(descriptor) }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            throw Error.failed(operation: "tcgetattr", errno: errno)
        }
        original = settings
        cfmakeraw(&settings)
        // TCSADRAIN: output already written is sent in the old mode first.
        guard tcsetattr(descriptor, TCSADRAIN, &settings) == 0 else {
            throw Error.failed(operation: "tcsetattr", errno: errno)
        }
        self.descriptor = descriptor
    }

    deinit { restore() }

    /// Puts the original settings back; later calls do nothing.
    public func restore() {
        guard !isRestored else { return }
        isRestored = true
        var settings = original
        _ = tcsetattr(descriptor, TCSADRAIN, &settings)
    }

    /// True when `descriptor` is a terminal.
    public static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// The window size of the terminal of `descriptor` (TIOCGWINSZ), or nil when it is not a
    /// terminal or reports no size.
    public static func windowSize(of descriptor: Int32 = STDOUT_FILENO) -> TerminalSize? {
        var window = winsize()
        guard ioctl(descriptor, windowSizeRequest, &window) == 0,
            window.ws_col > 0, window.ws_row > 0
        else { return nil }
        return TerminalSize(columns: window.ws_col, rows: window.ws_row)
    }

    #if canImport(Glibc)
        private static let windowSizeRequest = UInt(TIOCGWINSZ)
    #else
        /// `_IOR('t', 104, struct winsize)`: a macro Swift does not import on Darwin.
        private static let windowSizeRequest: UInt = 0x4008_7468
    #endif
}

@available(*, unavailable)
extension RawTerminalMode: Sendable {}
