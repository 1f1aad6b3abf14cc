import Fluent
import ServiceLifecycle
import Vapor

/// Every few seconds: ends sessions of relays that went silent and offers that never
/// started; every few minutes: forgets failed-attempt counters whose window and lock are over.
/// Runs until the server's graceful shutdown.
struct SessionSweeper: ControlPlaneJob {
    let context: ControlPlaneContext
    let database: any Database
    let logger: Logger
    let interval: Duration

    init(
        context: ControlPlaneContext, database: any Database, logger: Logger,
        interval: Duration = .seconds(5)
    ) {
        self.context = context
        self.database = database
        self.logger = logger
        self.interval = interval
    }

    func run() async throws {
        let (context, database, logger, interval) = (context, database, logger, interval)
        try? await cancelWhenGracefulShutdown {
            var lastPurge = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    try await SessionBroker(database: database, context: context).sweep()
                    if ContinuousClock.now - lastPurge > .seconds(300) {
                        lastPurge = .now
                        try await AttemptThrottle(database: database).purge()
                    }
                } catch {
                    logger.warning("session sweep failed: \(String(reflecting: error))")
                }
            }
        }
    }
}
