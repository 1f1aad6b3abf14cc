import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The defences of issue 9 against a real `tsunagu-server`: behind a trusted proxy one
/// guessing client locks nobody else, on SQLite and on PostgreSQL; an agent endpoint that
/// is never proven is closed at its limit.
@Suite(.serialized)
struct HardeningEndToEndTests {
    enum Storage: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static var storages: [Storage] {
        ThrowawayPostgres.adminURL == nil ? [.sqlite] : Storage.allCases
    }

    func login(_ stack: Stack, _ login: String, _ password: String, from address: String) throws
        -> Int
    {
        try stack.http(
            "POST", "/api/v1/auth/login",
            json: #"{"company":"PROXY","login":"\#(login)","password":"\#(password)"}"#,
            headers: ["X-Forwarded-For: \(address)"]
        ).status
    }

    @Test(arguments: storages)
    func oneGuesserBehindTheProxyLocksNobodyElse(_ storage: Storage) async throws {
        let stack = try Stack()
        if storage == .postgres {
            stack.storageOptions = ["--database-url", try ThrowawayPostgres.createDatabase()]
        }
        stack.serverOptions = ["--trusted-proxy", "127.0.0.1"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("PROXY")
        let guesser = "198.51.100.1"
        // 30 failures at 30 accounts from one client: its address reaches its limit.
        for i in 0..<30 {
            #expect(try login(stack, "ghost-\(i)", "guess", from: guesser) == 401)
        }
        #expect(
            try login(stack, "ghost-0", "guess", from: guesser) == 429,
            "no second try at an account")
        // Everyone else behind the same proxy logs in: before, all of them got 429.
        #expect(try login(stack, "admin", "admin-password", from: "198.51.100.2") == 200)
        // Even a colleague at the guesser's address, with the right password, at an account
        // the guesser never tried.
        #expect(try login(stack, "admin", "admin-password", from: guesser) == 200)
        // The audit trail names the real addresses.
        let audit = try stack.http("GET", "/api/v1/audit", token: token).body
        #expect(audit.contains(#""address":"198.51.100.1""#))
        #expect(audit.contains(#""kind":"login_locked""#))
        #expect(!audit.contains(#""address":"127.0.0.1""#))
    }

    @Test func forwardedHeadersFromAnyoneElseAreIgnored() async throws {
        let stack = try Stack()
        #expect(try await stack.startServer())
        let token = try stack.makeCompany("PROXY")
        #expect(try login(stack, "admin", "wrong", from: "203.0.113.9") == 401)
        let audit = try stack.http("GET", "/api/v1/audit", token: token).body
        #expect(audit.contains(#""address":"127.0.0.1""#), "\(audit)")
        #expect(!audit.contains("203.0.113.9"))
    }

    @Test func anUnprovenAgentConnectionIsClosedAtItsLimit() async throws {
        let stack = try Stack()
        stack.serverOptions = ["--hello-timeout", "1"]
        #expect(try await stack.startServer())
        let fd = try LiveProcesses.connectLoopback(port: stack.port, receiveTimeoutSeconds: 20)
        defer { close(fd) }
        let upgrade =
            "GET /api/v1/agent/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        _ = upgrade.withCString { send(fd, $0, strlen($0), 0) }
        let started = ContinuousClock.now
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read until the server closes (recv answers 0) or the 20 s receive timeout.
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        let elapsed = ContinuousClock.now - started
        #expect(received.hasPrefix("HTTP/1.1 101"), "\(received)")
        // Before: open for 60 s although the limit said 15.
        #expect(elapsed < .seconds(8), "closed after \(elapsed)")
        #expect(elapsed >= .milliseconds(900), "not before its limit: \(elapsed)")
    }
}
