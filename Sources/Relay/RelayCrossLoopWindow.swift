import NIOConcurrencyHelpers

/// The bytes one end has handed to its partner's event loop and that are not yet written
/// there, shared by the two loops.
///
/// The sender stops reading once `limit` bytes are on their way; the partner's loop wakes it
/// when it writes them, and only then: while the sender keeps reading, a batch costs one hop
/// to the partner's loop, not a second one back.
final class RelayCrossLoopWindow: Sendable {
    private struct State {
        var inFlight = 0
        var senderPaused = false
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes on their way to the partner's loop.
    var inFlight: Int { state.withLockedValue { $0.inFlight } }

    /// The sender hands `bytes` to the partner's loop.
    func send(_ bytes: Int) {
        state.withLockedValue { $0.inFlight += bytes }
    }

    /// Whether the sender may read more; when not, it counts as paused until
    /// ``delivered(_:)`` says to wake it.
    func mayReadOrPause() -> Bool {
        state.withLockedValue {
            guard $0.inFlight >= limit else { return true }
            $0.senderPaused = true
            return false
        }
    }

    /// The partner's loop wrote `bytes`; true when the sender is paused and must be woken.
    func delivered(_ bytes: Int) -> Bool {
        state.withLockedValue {
            $0.inFlight -= bytes
            guard $0.senderPaused, $0.inFlight < limit else { return false }
            $0.senderPaused = false
            return true
        }
    }
}
