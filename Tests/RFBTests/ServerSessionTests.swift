import Testing

@testable import RFB

struct ServerSessionTests {
    private let challenge = Array(UInt8(0)..<16)

    private func session(_ security: ServerSession.Security, handshakeOnly: Bool = false)
        -> ServerSession
    {
        ServerSession(
            configuration: .init(
                name: "desk", security: security, width: 640, height: 480,
                handshakeOnly: handshakeOnly),
            challenge: challenge)
    }

    private func sent(_ actions: [ServerSession.Action]) -> [UInt8] {
        actions.flatMap { action -> [UInt8] in
            if case .send(let bytes) = action { return bytes }
            return []
        }
    }

    private var serverInitBytes: [UInt8] {
        [2, 128, 1, 224, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0, 0, 0, 0, 4]
            + Array("desk".utf8)
    }

    @Test func version38None() {
        var s = session(.none)
        #expect(sent(s.start()) == Array("RFB 003.008\n".utf8))
        #expect(sent(s.receive(Array("RFB 003.008\n".utf8))) == [1, 1])
        #expect(sent(s.receive([1])) == [0, 0, 0, 0])
        let actions = s.receive([1])
        #expect(sent(actions) == serverInitBytes)
        #expect(actions.contains(.initialised(shared: true)))
        #expect(s.isInitialised)
        #expect(s.minorVersion == 8)
    }

    @Test func version38VNCAuthByteAtATime() {
        var s = session(.vncPassword("password"))
        _ = s.start()
        var out: [UInt8] = []
        for byte in Array("RFB 003.008\n".utf8) { out += sent(s.receive([byte])) }
        #expect(out == [1, 2])
        #expect(sent(s.receive([2])) == challenge)
        let response = VNCAuthentication.response(challenge: challenge, password: "password")
        out = []
        for byte in response { out += sent(s.receive([byte])) }
        #expect(out == [0, 0, 0, 0])
        #expect(s.receive([0]).contains(.initialised(shared: false)))
    }

    @Test func wrongPasswordFailsWithReason() {
        var s = session(.vncPassword("password"))
        _ = s.start()
        _ = s.receive(Array("RFB 003.008\n".utf8))
        _ = s.receive([2])
        let actions = s.receive(VNCAuthentication.response(challenge: challenge, password: "nope"))
        let reason = Array("authentication failed".utf8)
        #expect(sent(actions) == [0, 0, 0, 1, 0, 0, 0, UInt8(reason.count)] + reason)
        #expect(actions.contains(.close(reason: "authentication failed")))
        #expect(s.receive([1]).isEmpty)
    }

    @Test func securityTypeNotOffered() {
        var s = session(.vncPassword("x"))
        _ = s.start()
        _ = s.receive(Array("RFB 003.008\n".utf8))
        let actions = s.receive([1])
        #expect(sent(actions).prefix(4) == [0, 0, 0, 1])
        #expect(actions.contains { if case .close = $0 { true } else { false } })
    }

    @Test func version33ServerChoosesType() {
        var s = session(.vncPassword("password"))
        _ = s.start()
        #expect(sent(s.receive(Array("RFB 003.003\n".utf8))) == [0, 0, 0, 2] + challenge)
        let response = VNCAuthentication.response(challenge: challenge, password: "password")
        #expect(sent(s.receive(response)) == [0, 0, 0, 0])
        #expect(sent(s.receive([1])) == serverInitBytes)
        var n = session(.none)
        _ = n.start()
        // 3.3 with None: the type, then straight to ClientInit (no SecurityResult).
        #expect(sent(n.receive(Array("RFB 003.005\n".utf8))) == [0, 0, 0, 1])
        #expect(n.minorVersion == 3)
        #expect(sent(n.receive([1])) == serverInitBytes)
    }

    @Test func version37NoneHasNoSecurityResult() {
        var s = session(.none)
        _ = s.start()
        #expect(sent(s.receive(Array("RFB 003.007\n".utf8))) == [1, 1])
        #expect(sent(s.receive([1])) == [])
        #expect(sent(s.receive([1])) == serverInitBytes)
    }

    @Test func messagesAfterInitAreTracked() {
        var s = session(.none)
        _ = s.start()
        let bytes =
            Array("RFB 003.008\n".utf8) + [1, 1] + ClientMessageSamples.messages.flatMap(\.1)
        let actions = s.receive(bytes)
        let messages = actions.compactMap { action -> ClientMessage? in
            if case .message(let m) = action { return m }
            return nil
        }
        #expect(messages == ClientMessageSamples.messages.map(\.0))
        #expect(s.pixelFormat.bitsPerPixel == 16)
        #expect(s.encodingSettings.encodings == [])
    }

    @Test func badBytesClose() {
        var s = session(.none)
        _ = s.start()
        let actions = s.receive(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(actions.count == 1)
        #expect(actions.contains { if case .close = $0 { true } else { false } })
        #expect(s.receive([0]).isEmpty)
    }

    @Test func handshakeOnlyPassesBytesThrough() {
        var s = session(.none, handshakeOnly: true)
        _ = s.start()
        let actions = s.receive(Array("RFB 003.008\n".utf8) + [1, 1, 3, 0, 0, 0])
        #expect(actions.last == .passthrough([3, 0, 0, 0]))
        #expect(s.receive([9, 9]) == [.passthrough([9, 9])])
    }
}
