import Vapor

/// Stops the cluster bus when the server shuts down.
struct ClusterBusLifecycle: LifecycleHandler {
    let bus: ClusterBus

    func shutdownAsync(_ application: Application) async {
        await bus.stop()
    }
}
