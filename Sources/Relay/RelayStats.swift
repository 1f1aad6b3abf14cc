#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A relay's counts at one moment; rates come from two of them (see ``RelayLoadMeter``).
public struct RelayStats: Sendable, Equatable {
    /// Paired channels open now.
    public var sessions: Int
    /// Ends waiting for their peer now.
    public var waiting: Int
    /// Payload bytes relayed from operators to agents since the relay started.
    public var bytesFromOperator: Int64
    /// Payload bytes relayed from agents to operators since the relay started.
    public var bytesFromAgent: Int64
    /// CPU time (user + system) this process has used, from `getrusage`.
    public var cpuSeconds: Double

    /// Creates a snapshot.
    public init(
        sessions: Int, waiting: Int, bytesFromOperator: Int64, bytesFromAgent: Int64,
        cpuSeconds: Double = 0
    ) {
        self.sessions = sessions
        self.waiting = waiting
        self.bytesFromOperator = bytesFromOperator
        self.bytesFromAgent = bytesFromAgent
        self.cpuSeconds = cpuSeconds
    }

    /// Bytes relayed both ways.
    public var bytes: Int64 { bytesFromOperator + bytesFromAgent }

    /// This process's CPU time so far.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
            let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double {
            Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
        }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
