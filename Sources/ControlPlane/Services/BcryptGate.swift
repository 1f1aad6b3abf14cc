/// Bounds how many slow hashes run at once and how many may wait.
///
/// bcrypt runs on the application's blocking thread pool, which SQLite shares: unbounded, a
/// flood of password checks would queue every database query behind it. With fewer permits
/// than threads one thread always stays free for the database; past `maxWaiting` a check is
/// refused at once (`server_busy`) rather than queued for ever.
actor BcryptGate {
    private let permits: Int
    private let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Slow hashes run so far: what tests and metrics read to see that a cheap check came first.
    private(set) var completed = 0

    init(permits: Int, maxWaiting: Int) {
        precondition(permits >= 1)
        self.permits = permits
        self.maxWaiting = maxWaiting
    }

    /// Runs `work` when a permit is free.
    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running >= permits {
            guard waiting.count < maxWaiting else {
                throw APIError(
                    .serviceUnavailable, "server_busy",
                    "The server is checking too many passwords at once; try again in a few seconds.",
                    headers: ["Retry-After": "5"])
            }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            completed += 1
            handOver()
        }
        return try await work()
    }

    /// Gives the permit to the next waiter, or frees it.
    private func handOver() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
