/// Changes of a local terminal's window size, for the command line to pass on as `resize`.
///
/// Observed by asking the terminal (TIOCGWINSZ) every `interval`, not by catching SIGWINCH,
/// because every way of catching a signal reaches beyond this module:
///
/// - `sigaction` replaces the process' disposition, which other code may rely on.
/// - `DispatchSource.makeSignalSource` on Linux is not the harmless kqueue filter it is on
///   macOS: libdispatch's epoll backend installs a process-wide `sigaction` handler for the
///   signal and leaves it blocked in whichever thread received it (so that its signalfd can
///   see it), a mask that programs started from that thread later inherit.
/// - `sigwait` or a signalfd of our own need the signal blocked in every thread, which cannot
///   be arranged once NIO's and the Swift runtime's threads exist.
///
/// A poll costs one ioctl per interval and at most `interval` of delay on a resize, which a
/// person dragging a window corner does not notice; it touches no process-wide state.
public enum WindowSizeChanges {
    /// The default time between two looks at the size.
    public static let defaultInterval = Duration.milliseconds(200)

    /// The sizes of the terminal of `descriptor` each time it changes (not the current one:
    /// read that with `RawTerminalMode.windowSize(of:)`). Ends when its consumer stops.
    public static func of(
        descriptor: Int32, every interval: Duration = defaultInterval
    ) -> AsyncStream<TerminalSize> {
        AsyncStream { continuation in
            let task = Task {
                var last = RawTerminalMode.windowSize(of: descriptor)
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { break }
                    let size = RawTerminalMode.windowSize(of: descriptor)
                    if let size, size != last {
                        last = size
                        continuation.yield(size)
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
