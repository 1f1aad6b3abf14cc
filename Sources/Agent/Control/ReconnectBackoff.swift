/// Jittered exponential backoff between reconnects: 0.5 s, 1 s, 2 s … capped at 30 s, each
/// delay drawn uniformly from its upper half so that thousands of agents cut off by the same
/// server restart do not all come back in the same instant.
public struct ReconnectBackoff: Sendable {
    public var base: Duration
    public var cap: Duration
    private var attempt = 0

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the next attempt.
    public mutating func nextDelay() -> Duration {
        let exponent = min(attempt, 16)
        attempt += 1
        let ceiling = min(base * (1 << exponent), cap)
        let half = ceiling / 2
        let jitter = Double.random(in: 0...1)
        return half + half * jitter
    }

    /// A connection worked: start from the base again.
    public mutating func reset() {
        attempt = 0
    }
}
