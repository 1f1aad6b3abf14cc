import ServiceLifecycle

/// A job that runs beside the control plane's HTTP server for as long as it serves: what it
/// must set up before the first request is answered goes in `prepare`, run once before the
/// server listens; `run` lasts until the server's graceful shutdown.
public protocol ControlPlaneJob: Service {
    /// Runs before the HTTP server listens.
    func prepare() async throws
    /// True for a job whose connections ride on the HTTP server's (the embedded relay's
    /// upgraded WebSockets): it stops first, so that the server's stop need not wait for
    /// them.
    var stopsBeforeTheHTTPServer: Bool { get }
}

extension ControlPlaneJob {
    public func prepare() async throws {}
    public var stopsBeforeTheHTTPServer: Bool { false }
}
