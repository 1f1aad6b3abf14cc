import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Terminal

/// An agent's terminal end on a loopback TCP port (`TerminalServerHandler` on each accepted
/// connection) and clients connecting to it: the real PTY and the real handlers, without a
/// relay.
final class TerminalLoopback: Sendable {
    let sessions: TerminalSessions
    let clock: ManualClock
    private let server: any Channel
    private let port: Int

    private init(sessions: TerminalSessions, clock: ManualClock, server: any Channel, port: Int) {
        self.sessions = sessions
        self.clock = clock
        self.server = server
        self.port = port
    }

    /// A listener serving `sessions` (with a manual clock) and adding `environment` to each
    /// terminal, as the agent adds the operator's name.
    static func start(
        configuration: TerminalSessions.Configuration = .init(),
        environment: [String: String] = [:]
    ) async throws -> TerminalLoopback {
        let clock = ManualClock()
        let logger = Logger(label: "test.terminal")
        let sessions = TerminalSessions(configuration: configuration, clock: clock, logger: logger)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TerminalServerHandler(
                            sessions: sessions, environment: environment, logger: logger))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        return TerminalLoopback(sessions: sessions, clock: clock, server: server, port: port)
    }

    /// A new connection to the agent's end.
    func connect() async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Opens a terminal on a new connection.
    func open(
        _ command: [String], size: TerminalSize = TerminalSize(columns: 80, rows: 24),
        environment: [String: String] = [:]
    ) async throws -> TerminalClient {
        try await TerminalClient.open(
            on: connect(), size: size, command: command, environment: environment)
    }

    /// Closes the listener, hangs every terminal up and waits for them to end.
    func stop() async throws {
        try await server.close()
        let sessions = sessions
        let clock = clock
        // Shutdown waits for SIGKILL's deadline on the manual clock: move it along.
        let stopping = Task { await sessions.shutdown() }
        while await sessions.count > 0 {
            clock.advance(by: .seconds(10))
            try await Task.sleep(for: .milliseconds(20))
        }
        await stopping.value
    }
}

/// What a terminal printed so far (its replay, then its output, read in the background), for
/// tests to wait on.
final class OutputCollector: Sendable {
    private let received = Received()
    private let task: Task<Void, Never>

    init(_ client: TerminalClient) {
        let received = received
        // A new terminal's first output may come in `opened` (its replay), before any `output`.
        received.bytes.withLock { $0 += client.replay.readableBytesView }
        task = Task {
            for await chunk in client.output {
                received.bytes.withLock { $0 += chunk.readableBytesView }
            }
        }
    }

    /// The output as text (invalid UTF-8 repaired).
    var text: String { String(decoding: received.bytes.withLock { $0 }, as: UTF8.self) }

    /// Waits until the output contains `expected`; records an issue if it never does.
    @discardableResult
    func waitFor(
        _ expected: String, timeout: Duration = .seconds(10),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> Bool {
        await eventually(
            "\"\(expected)\" in the output (got \(text.debugDescription))", timeout: timeout,
            sourceLocation: sourceLocation
        ) { text.contains(expected) }
    }

    /// Waits until the output sequence ended.
    func waitForEnd() async {
        await task.value
    }
}

/// The bytes shared with the reading task.
private final class Received: Sendable {
    let bytes = Mutex<[UInt8]>([])
}
