import ControlPlane
import Foundation
import NIOCore
import Testing
import Vapor

/// `TsunaguHTTPServer` on a real loopback port: head deadlines, head size limits, per-address
/// admission, and the app's ordinary traffic through it.
@Suite("HTTP front limits")
struct HTTPServerLimitsTests {
    /// Generous deadlines for the tests that are not about them: the full test run can starve
    /// a task for seconds on 2 cores.
    static let limits = HTTPLimits(
        requestHeadTimeout: .seconds(20), maxConnectionsInHeadPerAddress: 3)

    /// Serves the app with `limits` on a free loopback port for the duration of `body`.
    func withServer(
        limits: HTTPLimits = limits,
        _ body: (TestControlPlane, TsunaguHTTPServer, Int) async throws -> Void
    ) async throws {
        var configuration = try TestControlPlane.makeConfiguration(.sqlite)
        configuration.httpLimits = limits
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        try await TestControlPlane.with(configuration) { cp in
            try await cp.app.server.start(address: .hostname("127.0.0.1", port: 0))
            let server = try #require(cp.app.server as? TsunaguHTTPServer)
            let port = try #require(server.localAddress?.port)
            do {
                try await body(cp, server, port)
            } catch {
                await cp.app.server.shutdown()
                throw error
            }
            await cp.app.server.shutdown()
        }
    }

    @Test("a partial head is answered 408 and closed at the head deadline")
    func partialHeadClosed() async throws {
        try await withServer(limits: HTTPLimits(requestHeadTimeout: .seconds(1))) { cp, _, port in
            // Before connect: the server's clock starts at accept, later than this.
            let start = Date()
            let client = try await RawHTTPConnection.open(
                port: port, group: cp.app.eventLoopGroup,
                greeting: "GET /relay/v1 HTTP/1.1\r\nHost: x\r\n")
            #expect(await client.waitForClose(within: 30))
            let elapsed = Date().timeIntervalSince(start)
            #expect(elapsed >= 0.95 && elapsed < 30, "closed after \(elapsed) s")
            #expect(client.unread.hasPrefix("HTTP/1.1 408"))
        }
    }

    @Test("a slow-loris trickling a byte every 200 ms is closed at the deadline all the same")
    func slowLorisClosed() async throws {
        // 4 s: long enough that even a machine starved by the rest of the suite trickles more
        // than one byte before the deadline (2 s saw a single byte under full load).
        try await withServer(limits: HTTPLimits(requestHeadTimeout: .seconds(4))) { cp, _, port in
            let start = Date()
            let client = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            let head =
                "GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nX-Padding: "
                + String(repeating: "a", count: 500)
            let sent = client.trickle(head, every: .milliseconds(200))
            #expect(await client.waitForClose(within: 30))
            let elapsed = Date().timeIntervalSince(start)
            let count = sent.withLockedValue { $0 }
            #expect(elapsed >= 3.95 && elapsed < 30, "closed after \(elapsed) s")
            // Two or more: bytes kept coming after the first (a starved machine sends fewer).
            #expect(count >= 2, "bytes kept coming: \(count)")
            #expect(count < head.utf8.count, "closed before the head could be complete")
            #expect(client.unread.hasPrefix("HTTP/1.1 408"))
        }
    }

    @Test("40 KiB of headers are answered 431, a 10 KiB URL 414, both with the JSON error shape")
    func oversizedHeads() async throws {
        try await withServer { cp, _, port in
            let big = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            var request = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
            for i in 0..<40 {
                request += "X-Filler-\(i): \(String(repeating: "b", count: 1024))\r\n"
            }
            try await big.send(request + "\r\n")
            let tooLarge = try await big.readAnswer()
            #expect(tooLarge.status == 431)
            #expect(tooLarge.body.contains(#""code":"header_too_large""#))
            #expect(await big.waitForClose(within: 15))

            let long = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            try await long.send(
                "GET /healthz?q=\(String(repeating: "c", count: 10 * 1024)) HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            let tooLong = try await long.readAnswer()
            #expect(tooLong.status == 414)
            #expect(tooLong.body.contains(#""code":"uri_too_long""#))
            #expect(tooLong.headers["content-type"]?.hasPrefix("application/json") == true)
        }
    }

    @Test("the connection past the per-address limit of those in their first head is refused")
    func perAddressAdmission() async throws {
        // A minute for the holders' heads: with the whole suite on two cores the set-up alone
        // once outlasted the 20 s default, and the holders were cut before they were counted.
        let patient = HTTPLimits(
            requestHeadTimeout: .seconds(60), maxConnectionsInHeadPerAddress: 3)
        try await withServer(limits: patient) { cp, server, port in
            var holders: [RawHTTPConnection] = []
            for _ in 0..<3 {
                let holder = try await RawHTTPConnection.open(
                    port: port, group: cp.app.eventLoopGroup)
                try await holder.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
                holders.append(holder)
            }
            // Accepts are set up on the event loops a moment after connect returns.
            #expect(await waitUntil(30) { server.connectionsInFirstHead(from: "127.0.0.1") == 3 })

            let refused = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            #expect(await refused.waitForClose(within: 15))
            #expect(refused.unread.isEmpty)

            // One holder finishes its head: its slot is free before its answer is written.
            try await holders[0].send("\r\n")
            #expect(try await holders[0].readAnswer().status == 200)
            let normal = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            try await normal.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await normal.readAnswer().status == 200)
            for holder in holders { await holder.close() }
        }
    }

    @Test("API calls, keep-alive, HEAD, a static console file and the relay's WebSocket work")
    func ordinaryTraffic() async throws {
        try await withServer { cp, _, port in
            let client = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            try await client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try await client.readAnswer()
            #expect(first.status == 200)
            #expect(first.headers["server"] == "tsunagu")
            #expect(first.headers["date"] != nil)
            #expect(first.headers["connection"] == "keep-alive")

            // Same connection: a JSON error from the API, then HEAD of the console's page.
            try await client.send(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            )
            let login = try await client.readAnswer()
            #expect(login.status == 400 || login.status == 401)
            #expect(login.body.contains(#""error""#))
            try await client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try await client.readAnswer(head: true)
            #expect(head.status == 200)
            let page = try String(contentsOfFile: "Public/index.html", encoding: .utf8)
            #expect(head.headers["content-length"] == "\(page.utf8.count)")

            // A streamed file, then `Connection: close` ends the connection.
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let file = try await client.readAnswer()
            #expect(file.status == 200)
            #expect(file.body == page)
            #expect(await client.waitForClose(within: 15))

            // Too large a body: 413 in the API's error shape.
            let upload = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            try await upload.send(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            let refused = try await upload.readAnswer()
            #expect(refused.status == 413)
            #expect(refused.body.contains(#""code":"payload_too_large""#))

            // The embedded relay's WebSocket: 101, and its own handlers take over the socket.
            let socket = try await RawHTTPConnection.open(port: port, group: cp.app.eventLoopGroup)
            try await socket.send(
                "GET /relay/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            let upgraded = try await socket.readAnswer(head: true)
            #expect(upgraded.status == 101)
            #expect(upgraded.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            // A masked text frame "bad" as the ticket: the relay refuses it and closes.
            try await socket.send(bytes: [0x81, 0x83, 1, 2, 3, 4, 0x63, 0x63, 0x67])
            #expect(await socket.waitForClose(within: 15))
        }
    }

    /// Polls `condition` until it holds or `seconds` pass.
    func waitUntil(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
