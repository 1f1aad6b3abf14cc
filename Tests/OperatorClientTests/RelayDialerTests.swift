import NIOCore
import NIOPosix
import RelayClient
import TestSupport
import Testing

/// Dialling a relay that is not there (it died, or was never started) fails with an error the
/// caller can retry on; it does not bring the process down.
struct RelayDialerTests {
    @Test("nothing listening: the dial throws")
    func nothingListening() async throws {
        let port = LiveProcesses.freePort()
        await #expect(throws: (any Error).self) {
            _ = try await RelayDialer.dial(
                "ws://127.0.0.1:\(port)/relay/v1", ticket: "t",
                group: MultiThreadedEventLoopGroup.singleton)
        }
    }

    @Test("a listener that hangs up at once: the dial throws")
    func hungUpAtOnce() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        await #expect(throws: (any Error).self) {
            _ = try await RelayDialer.dial(
                "ws://127.0.0.1:\(port)/relay/v1", ticket: "t",
                group: MultiThreadedEventLoopGroup.singleton)
        }
        try await server.close()
    }
}
