/// How many failures a key may have in a window before it is locked, and for how long.
public struct AttemptLimit: Sendable, Equatable {
    /// Failures (attempts in flight count too) that lock the key.
    public var failures: Int
    /// How long a lock lasts, in seconds.
    public var lockSeconds: Double
    /// Failures older than this (seconds since the window's first) are forgotten.
    public var windowSeconds: Double

    public init(failures: Int, lockSeconds: Double, windowSeconds: Double = 900) {
        self.failures = failures
        self.lockSeconds = lockSeconds
        self.windowSeconds = windowSeconds
    }
}
