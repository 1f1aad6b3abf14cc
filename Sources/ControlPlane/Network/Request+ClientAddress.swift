import Vapor

extension Request {
    /// The client's address: the peer, or what the trusted proxies say it is
    /// (`--trusted-proxy`). Every throttle and every log line uses this one.
    func clientAddress(_ context: ControlPlaneContext) -> String? {
        ClientAddressResolver(trustedProxies: context.configuration.trustedProxies).resolve(
            peer: remoteAddress?.ipAddress, forwarded: headers[.forwarded],
            forwardedFor: headers[.xForwardedFor])
    }
}
