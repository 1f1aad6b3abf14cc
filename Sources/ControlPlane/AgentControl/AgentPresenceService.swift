import Fluent
import Logging
import ServiceLifecycle

/// Keeps the devices' `connected` flags true to this instance's life: at start (before
/// requests are served), connections a crashed predecessor held are gone; at graceful
/// shutdown, the ones it holds go with it. Other instances sharing the database then show
/// those devices offline at once, not after the minute of silence that `Device.isOnline`
/// otherwise waits.
struct AgentPresenceService: ControlPlaneJob {
    let instanceID: String
    let database: any Database
    let logger: Logger

    /// Marks this instance's agents offline.
    static func releaseAll(instanceID: String, on database: any Database) async throws {
        try await Device.query(on: database).filter(\.$controlInstance == instanceID)
            .set(\.$connected, to: false).set(\.$controlInstance, to: nil).update()
    }

    /// A crashed predecessor's connections are gone before anyone asks for a device.
    func prepare() async throws {
        try await Self.releaseAll(instanceID: instanceID, on: database)
    }

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await Self.releaseAll(instanceID: instanceID, on: database)
        } catch {
            logger.warning(
                "could not mark this instance's agents offline: \(String(reflecting: error))")
        }
    }
}
