import FileTransfer
import Foundation
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
    private let base: String

    final class ReportLog: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [FileTransferReport] = []
        func add(_ report: FileTransferReport) { lock.withLock { reports.append(report) } }
        var all: [FileTransferReport] { lock.withLock { reports } }
    }

    init(configure: (inout FileServerConfiguration) -> Void = { _ in }) async throws {
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
        let reports = reports
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                FileServerHandler.install(on: channel, configuration: frozen) { reports.add($0) }
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
