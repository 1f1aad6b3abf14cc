import ServiceLifecycle

/// A configured control plane: what its requests share, and the jobs that run beside its
/// HTTP server (the session sweeper, the embedded relay's reports, the cluster bus, the
/// agents' presence flags), in the order they start; they stop in the reverse order.
public struct ConfiguredControlPlane: Sendable {
    public let context: ControlPlaneContext
    public let backgroundJobs: [any ControlPlaneJob]
}
