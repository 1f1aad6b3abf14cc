/// Any `Clock` measured in `Duration`, erased to "time since it was wrapped": the sessions
/// actor stays non-generic, and `TerminalStateMachine` sees plain durations.
struct TerminalClock: Sendable {
    /// Time since the clock was wrapped.
    let now: @Sendable () -> Duration
    /// Suspends until `now()` reaches the deadline; throws when cancelled.
    let sleepUntil: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepUntil = { deadline in
            try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil)
        }
    }
}
