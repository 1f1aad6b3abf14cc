import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tsunagu-server serve --header-timeout --max-connections-per-address` with the real binary:
/// slow sockets are cut off at the head deadline, and curl's ordinary requests go through.
/// (The refusal past the per-address share is tested in-process, where the server's count
/// can be read: here nothing tells when the server has set up the holders.)
@Suite(.serialized)
struct HTTPFrontEndToEndTests {
    @Test func slowHeadsAreCutOffAtTheHeaderTimeout() async throws {
        let stack = try Stack()
        stack.serverOptions = ["--header-timeout", "1", "--max-connections-per-address", "2"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")

        // Two partial heads hold the address's whole share.
        let holders = try (0..<2).map { _ in try RawSocket(port: stack.port) }
        for holder in holders { try holder.send("GET /relay/v1 HTTP/1.1\r\nHost: x\r\n") }
        let start = Date()
        // The holders are cut off at the head deadline, answered 408.
        for holder in holders {
            let (answer, closed) = await holder.readUntilClosed(timeout: 15)
            #expect(closed)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.5 && elapsed < 15, "closed after \(elapsed) s")

        // Their slots are free again: ordinary requests work.
        #expect(try stack.http("GET", "/healthz").status == 200)
    }
}

/// A blocking TCP socket to 127.0.0.1, to send exactly the bytes a slow client would.
private final class RawSocket {
    let fd: Int32

    struct Failure: Error {
        let what: String
    }

    init(port: Int) throws {
        fd = try LiveProcesses.connectLoopback(port: port)
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw Failure(what: "send: \(errno)")
        }
    }

    /// Reads until the peer closes or `timeout` passes; returns what came and whether it closed.
    /// Polls without blocking and suspends between polls: Swift's cooperative threads are few.
    func readUntilClosed(timeout: Double) async -> (String, Bool) {
        var received = [UInt8]()
        let end = Date().addingTimeInterval(timeout)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            guard end.timeIntervalSinceNow > 0 else { return (text, false) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { return (text, true) }  // EOF or reset: closed either way
            received += chunk[..<count]
        }
    }
}
