import ServiceLifecycle
import Vapor

/// The control plane's HTTP server (console, API, agents' control connections, the embedded
/// relay's WebSocket) as a service: it listens until graceful shutdown, then closes the
/// agents' control connections (which would otherwise hold the stop for its whole timeout),
/// stops accepting and lets requests in flight finish.
struct ControlPlaneHTTPService: ServiceLifecycle.Service {
    let app: Application
    let presence: AgentPresence
    /// Called once the server listens.
    let onStarted: @Sendable () -> Void

    func run() async throws {
        try await app.server.start(address: nil)
        onStarted()
        try? await gracefulShutdown()
        await presence.disconnectAll()
        await app.server.shutdown()
    }
}
