import ServiceLifecycle

/// Keeps the cluster bus (started while the server was configured) listening until the
/// server's graceful shutdown, then stops it.
struct ClusterBusService: ControlPlaneJob {
    let bus: ClusterBus

    func run() async throws {
        try? await gracefulShutdown()
        await bus.stop()
    }
}
