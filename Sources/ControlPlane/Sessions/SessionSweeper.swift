import Fluent
import Synchronization
import Vapor

/// Every few seconds: ends sessions of relays that went silent and offers that never
/// started; every few minutes: forgets failed-attempt counters whose window and lock are over.
/// A Vapor lifecycle handler so it starts and stops with the server.
struct SessionSweeper: LifecycleHandler {
    let context: ControlPlaneContext
    let interval: Duration
    private let task = TaskBox()

    init(context: ControlPlaneContext, interval: Duration = .seconds(5)) {
        self.context = context
        self.interval = interval
    }

    func didBootAsync(_ application: Application) async throws {
        let (context, interval, logger, db) = (
            context, interval, application.logger, application.db
        )
        task.set(
            Task {
                var lastPurge = ContinuousClock.now
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    do {
                        try await SessionBroker(database: db, context: context).sweep()
                        if ContinuousClock.now - lastPurge > .seconds(300) {
                            lastPurge = .now
                            try await AttemptThrottle(database: db).purge()
                        }
                    } catch {
                        logger.warning("session sweep failed: \(String(reflecting: error))")
                    }
                }
            })
    }

    func shutdownAsync(_ application: Application) async {
        task.cancel()
    }
}

/// Holds the sweeper's task so the (value-type) handler can cancel it.
private final class TaskBox: Sendable {
    private let lock = Mutex<Task<Void, Never>?>(nil)

    func set(_ task: Task<Void, Never>) { lock.withLock { $0 = task } }

    func cancel() { lock.withLock { $0?.cancel() } }
}
