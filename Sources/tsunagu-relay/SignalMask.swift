#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The signals the relay's graceful shutdown listens for.
enum SignalMask {
    /// Lets SIGTERM and SIGINT reach the calling thread even when the parent started us with
    /// them blocked (a mask inherited through exec, as some supervisors and test runners do).
    static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
