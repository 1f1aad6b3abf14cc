import Fluent
import Vapor

/// Keeps the devices' `connected` flags true to this instance's life: at start, connections a
/// crashed predecessor held are gone; at shutdown, the ones it holds go with it. Other
/// instances sharing the database then show those devices offline at once, not after the
/// minute of silence that `Device.isOnline` otherwise waits.
struct AgentPresenceLifecycle: LifecycleHandler {
    let instanceID: String

    func didBootAsync(_ application: Application) async throws {
        try await releaseAll(on: application.db)
    }

    func shutdownAsync(_ application: Application) async {
        do {
            try await releaseAll(on: application.db)
        } catch {
            application.logger.warning(
                "could not mark this instance's agents offline: \(String(reflecting: error))")
        }
    }

    private func releaseAll(on database: any Database) async throws {
        try await Device.query(on: database).filter(\.$controlInstance == instanceID)
            .set(\.$connected, to: false).set(\.$controlInstance, to: nil).update()
    }
}
