import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// The child processes of one run, stopped at the end whatever happens.
final class Processes: Sendable {
    /// CPUs the proxies under test run on (`taskset -c`), apart from the load's; nil runs
    /// them wherever the scheduler likes.
    let proxyCPUs: String?
    private let children = NIOLockedValueBox<[Process]>([])
    private let scratch = FileManager.default.temporaryDirectory
        .appendingPathComponent("relay-bench-\(getpid())")

    init(proxyCPUs: String?) {
        self.proxyCPUs = proxyCPUs
    }

    /// How many CPUs the proxies get (1 for `"1"`, 2 for `"2-3"` or `"2,3"`), nil when unpinned.
    var proxyCPUCount: Int? {
        guard let proxyCPUs else { return nil }
        return proxyCPUs.split(separator: ",").reduce(0) { count, part in
            let ends = part.split(separator: "-").compactMap { Int($0) }
            return count + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
    }

    /// Starts a proxy under test (on the proxy CPUs when pinned).
    @discardableResult
    func start(_ path: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        if let proxyCPUs {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", proxyCPUs, path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        children.withLockedValue { $0.append(process) }
        return process
    }

    /// HAProxy in TCP mode, one frontend per (listen, target) port pair.
    func haproxy(ports: [(Int, Int)]) throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var config = """
            global
                maxconn 4000\(proxyCPUCount.map { "\n    nbthread \($0)" } ?? "")
            defaults
                mode tcp
                timeout connect 5s
                timeout client 60s
                timeout server 60s

            """
        for (index, (listen, target)) in ports.enumerated() {
            config += """
                listen bench\(index)
                    bind 127.0.0.1:\(listen)
                    server sink 127.0.0.1:\(target)

                """
        }
        let file = scratch.appendingPathComponent("haproxy.cfg")
        try config.write(to: file, atomically: true, encoding: .utf8)
        try start("/usr/sbin/haproxy", ["-db", "-f", file.path])
    }

    func stopAll() {
        // SIGKILL: children inherit this process's blocked-signal mask, SIGTERM included.
        for process in children.withLockedValue({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: scratch)
    }

    static func waitForPort(_ port: Int) async throws {
        for _ in 0..<200 {
            if let channel = try? await ClientBootstrap(group: Connector.group)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close()
                return
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw CancellationError()
    }
}
