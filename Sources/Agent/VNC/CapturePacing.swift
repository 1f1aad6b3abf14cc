import NIOCore
import RFB

/// When the shared desktop looks for damage and when it captures (TigerVNC's frame timer,
/// driven by damage instead of a fixed rate). A plain state machine over deadlines: the
/// desktop asks it what to do and performs it, so the timing is tested without a clock.
///
/// - A *check* asks the source for damage without taking the image (cheap, no round trip
///   on X11 while nothing is drawn). Checks run every `checkInterval`, every
///   `activeInterval` for `activeWindow` after a capture that found changes (so a moving
///   window is followed without waiting a whole period), and every `inputInterval` for
///   `inputWindow` after viewer input, starting `inputDelay` after it (so a key's echo is
///   taken as soon as it is drawn).
/// - A *capture* takes the image when a check saw damage or could not tell; captures are at
///   least `minCaptureInterval` apart whatever the input rate.
/// - Every `fullCompareInterval` a capture compares the whole frame, ignoring the damage
///   hint: a safety net for damage the source missed. A capture for damage in the second half
///   of that interval does it, so a screen that changes now and then (a clock) is not taken
///   twice for it.
struct CapturePacing {
    /// The timing; the defaults suit 60 frames/s.
    struct Configuration {
        var checkInterval: TimeAmount = .nanoseconds(1_000_000_000 / 60)
        var activeInterval: TimeAmount = .nanoseconds(1_000_000_000 / 120)
        var activeWindow: TimeAmount = .milliseconds(100)
        var inputDelay: TimeAmount = .milliseconds(2)
        var inputInterval: TimeAmount = .milliseconds(2)
        var inputWindow: TimeAmount = .milliseconds(30)
        var minCaptureInterval: TimeAmount = .nanoseconds(1_000_000_000 / 120)
        var fullCompareInterval: TimeAmount = .seconds(1)

        /// The defaults, checking `framesPerSecond` times a second when nothing happens.
        init(framesPerSecond: Int = 60) {
            checkInterval = .nanoseconds(1_000_000_000 / Int64(max(1, framesPerSecond)))
        }
    }

    /// What a check should do, given what the source said about damage.
    enum Action: Equatable {
        /// Nothing to take: check again at `nextCheck`.
        case idle
        /// Take the image; compare the whole frame when `fullCompare`, else where the damage
        /// hint says.
        case capture(fullCompare: Bool)
        /// Damage is waiting but the previous capture was too recent: check again then.
        case wait(until: NIODeadline)
    }

    let configuration: Configuration
    private(set) var lastCapture: NIODeadline?
    private(set) var lastFullCompare: NIODeadline
    private(set) var activeUntil: NIODeadline = .uptimeNanoseconds(0)
    private(set) var inputUntil: NIODeadline = .uptimeNanoseconds(0)

    /// Pacing that starts at `now`, with a full frame just captured.
    init(configuration: Configuration = .init(), now: NIODeadline) {
        self.configuration = configuration
        self.lastFullCompare = now
    }

    /// Whether the next capture must compare the whole frame.
    func fullCompareDue(at now: NIODeadline) -> Bool {
        now >= lastFullCompare + configuration.fullCompareInterval
    }

    /// What to do at a check at `now`; `damage` is the source's pending damage (nil: it
    /// cannot tell). The caller asks only when ``fullCompareDue(at:)`` is false or passes
    /// nil.
    func action(at now: NIODeadline, damage: [Rect]?) -> Action {
        let full = fullCompareDue(at: now)
        guard full || damage.map({ !$0.isEmpty }) ?? true else { return .idle }
        if let last = lastCapture, now < last + configuration.minCaptureInterval {
            return .wait(until: last + configuration.minCaptureInterval)
        }
        let half = TimeAmount.nanoseconds(configuration.fullCompareInterval.nanoseconds / 2)
        return .capture(fullCompare: now >= lastFullCompare + half)
    }

    /// Records a capture at `now` and whether it found changed pixels.
    mutating func captured(at now: NIODeadline, fullCompare: Bool, changed: Bool) {
        lastCapture = now
        if fullCompare { lastFullCompare = now }
        if changed { activeUntil = now + configuration.activeWindow }
    }

    /// Records viewer input at `now`; returns when the first early check should run.
    mutating func inputArrived(at now: NIODeadline) -> NIODeadline {
        inputUntil = now + configuration.inputWindow
        return now + configuration.inputDelay
    }

    /// When to check next after a check at `now`.
    func nextCheck(after now: NIODeadline) -> NIODeadline {
        var interval = configuration.checkInterval
        if now < activeUntil { interval = min(interval, configuration.activeInterval) }
        if now < inputUntil { interval = min(interval, configuration.inputInterval) }
        return now + interval
    }
}
