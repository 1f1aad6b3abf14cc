import Testing

@testable import RFB

/// The gateway's client handshake against our own ServerSession.
struct HandshakeClientTests {
    private func run(server: ServerSession.Security, password: String?) -> HandshakeClient.Action? {
        var s = ServerSession(
            configuration: .init(name: "backend", security: server, width: 800, height: 600))
        var c = HandshakeClient(password: password)
        var toClient: [UInt8] = []
        for case .send(let b) in s.start() { toClient += b }
        for _ in 0..<10 {
            var toServer: [UInt8] = []
            for action in c.receive(toClient) {
                switch action {
                case .send(let b): toServer += b
                case .done, .fail: return action
                }
            }
            toClient = []
            for case .send(let b) in s.receive(toServer) { toClient += b }
        }
        return nil
    }

    @Test func noneAndVNCAuth() {
        for (security, password) in [
            (ServerSession.Security.none, nil), (.vncPassword("pw"), "pw"),
        ] {
            guard case .done(let info, let leftover) = run(server: security, password: password)
            else {
                Issue.record("handshake did not finish")
                continue
            }
            #expect(info.width == 800 && info.height == 600 && info.name == "backend")
            #expect(info.pixelFormat == .rgb888)
            #expect(leftover.isEmpty)
        }
    }

    @Test func wrongPassword() {
        guard case .fail(let reason) = run(server: .vncPassword("pw"), password: "other") else {
            Issue.record("expected failure")
            return
        }
        #expect(reason.contains("authentication failed"))
    }
}
