import FileTransfer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An agent's files server and a client over a loopback TCP connection, in folders of their
/// own under the temporary directory, removed at the end.
final class FileLoopback: Sendable {
    let root: String
    let outside: String
    let local: String
    let server: any Channel
    let reports = ReportLog()
    /// The agent side's read gates, one per accepted connection (see `init(gateAfter:)`).
    let gates = GateLog()
    private let base: String

    final class GateLog: @unchecked Sendable {
        private let lock = NSLock()
        private var gates: [ReadGate] = []
        func add(_ gate: ReadGate) { lock.withLock { gates.append(gate) } }
        var all: [ReadGate] { lock.withLock { gates } }
    }

    final class ReportLog: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [FileTransferReport] = []
        func add(_ report: FileTransferReport) { lock.withLock { reports.append(report) } }
        var all: [FileTransferReport] { lock.withLock { reports } }
    }

    /// With `gateAfter`, the agent stops reading once that many bytes came in on a connection,
    /// until the test opens its gate: the middle of a transfer, held as long as the test needs.
    init(
        gateAfter: Int? = nil, configure: (inout FileServerConfiguration) -> Void = { _ in }
    ) async throws {
        base = NSTemporaryDirectory() + "tsunagu-files-\(UUID().uuidString)"
        root = base + "/root"
        outside = base + "/outside"
        local = base + "/local"
        for folder in [root, outside, local] {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
        }
        var configuration = FileServerConfiguration(roots: try FileRoots([root]))
        configure(&configuration)
        let frozen = configuration
        let (reports, gates) = (reports, gates)
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                if let gateAfter {
                    let gate = ReadGate(limit: gateAfter, eventLoop: channel.eventLoop)
                    gates.add(gate)
                    try? channel.pipeline.syncOperations.addHandler(gate)
                }
                return FileServerHandler.install(on: channel, configuration: frozen) {
                    reports.add($0)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A raw connection to the server, for tests that speak bytes.
    /// A raw connection; `reader` (if any) is in place before the agent's first byte arrives.
    func connect(reader: (@Sendable () -> any ChannelHandler)? = nil) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let reader { try channel.pipeline.syncOperations.addHandler(reader()) }
                }
            }
            .connect(to: server.localAddress!).get()
    }

    /// A client whose connection reads nothing until its handlers are in place, as a relay
    /// connection holds the agent's bytes until `startForwarding`.
    func client() async throws -> FilesClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .connect(to: server.localAddress!).get()
        return try await FilesClient.open(on: channel) {
            try await channel.setOption(.autoRead, value: true).get()
        }
    }

    func finish() async {
        try? await server.close()
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Writes `count` reproducible pseudo-random bytes to `path`.
    static func writeRandomFile(_ path: String, count: Int, seed: UInt64 = 1) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var state = seed
        var remaining = count
        while remaining > 0 {
            let n = min(remaining, 1 << 20)
            var chunk = [UInt8](repeating: 0, count: n)
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<words.count {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    words[i] = state ^ (state >> 29)
                }
            }
            try handle.write(contentsOf: chunk)
            remaining -= n
        }
    }

    static func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init)
            ?? ""
    }
}

/// Stops a connection's reads once `limit` bytes came in, until `open()`: the sender then
/// stalls on its window, and the transfer stays in its middle however late the test runs.
final class ReadGate: ChannelDuplexHandler, @unchecked Sendable {
    // @unchecked: every field is touched on the connection's event loop only.
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limit: Int
    private let eventLoop: any EventLoop
    private var received = 0
    private var state = State.flowing
    private var readHeld = false
    private var context: ChannelHandlerContext?
    private let closedOnce = NIOLockedValueBox(false)

    private enum State { case flowing, held, opened }

    init(limit: Int, eventLoop: any EventLoop) {
        self.limit = limit
        self.eventLoop = eventLoop
    }

    /// True once the gate stopped the reads (it stays true after `open()`).
    var hasClosed: Bool { closedOnce.withLockedValue { $0 } }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        if state == .flowing, received >= limit {
            state = .held
            closedOnce.withLockedValue { $0 = true }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if state == .held { readHeld = true } else { context.read() }
    }

    /// Lets the reads go on, for good.
    func open() {
        eventLoop.execute {
            self.state = .opened
            if self.readHeld, let context = self.context {
                self.readHeld = false
                context.read()
            }
        }
    }
}
