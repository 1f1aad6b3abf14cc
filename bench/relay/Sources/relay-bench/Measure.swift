import Foundation
import NIOConcurrencyHelpers
import NIOCore

struct Percentiles {
    var p50: Double
    var p99: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ q: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
        }
        p50 = at(0.5)
        p99 = at(0.99)
    }
}

enum Measure {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// MB/s (10^6) of `streams` streams each carrying `bytes`, from Go to the last byte in:
    /// sent by the client, or with `reverse` by the far end.
    static func throughput(
        _ path: RelayBench.Path, streams: Int, bytes: Int, counter: NIOLockedValueBox<Int>,
        reverse: Bool = false
    ) async throws -> Double {
        counter.withLockedValue { $0 = 0 }
        var open: [Stream] = []
        for _ in 0..<streams {
            open +=
                reverse
                ? try await path.open(.pull(total: bytes, counter: counter), .source)
                : try await path.open(.send(total: bytes), .discard)
        }
        for stream in open { try await stream.ready.get() }
        let total = streams * bytes
        let start = now()
        for stream in open { stream.go() }
        let deadline = start + 120
        while counter.withLockedValue({ $0 }) < total, now() < deadline {
            try await Task.sleep(nanoseconds: 500_000)
        }
        let elapsed = now() - start
        let got = counter.withLockedValue { $0 }
        for stream in open { try? await stream.channel.close() }
        return Double(got) / elapsed / 1e6
    }

    /// Round trips of small messages, `streams` at once.
    static func latency(_ path: RelayBench.Path, streams: Int, rounds: Int) async throws
        -> Percentiles
    {
        let results = NIOLockedValueBox<[Double]>([])
        var open: [Stream] = []
        var pingers: [Stream] = []
        for _ in 0..<streams {
            // The first stream of each is the client; a relay pair's second is its echo end.
            let opened = try await path.open(
                .ping(rounds: rounds, size: 64, results: results), .echo)
            pingers.append(opened[0])
            open += opened
        }
        for stream in open { try await stream.ready.get() }
        for stream in pingers { stream.go() }
        for stream in pingers { _ = try? await stream.finished.get() }
        for stream in open { try? await stream.channel.close() }
        return Percentiles(results.withLockedValue { $0 })
    }

    /// Microseconds from having both tickets to both ends paired.
    static func setup(
        count: Int, concurrency: Int, pair: @escaping @Sendable () async throws -> [Stream]
    ) async throws -> Percentiles {
        var times: [Double] = []
        var done = 0
        while done < count {
            let batch = min(concurrency, count - done)
            let measured = try await withThrowingTaskGroup(of: (Double, [Stream]).self) { group in
                for _ in 0..<batch {
                    group.addTask {
                        let start = now()
                        let streams = try await pair()
                        for stream in streams { try await stream.ready.get() }
                        return ((now() - start) * 1e6, streams)
                    }
                }
                var out: [(Double, [Stream])] = []
                for try await result in group { out.append(result) }
                return out
            }
            for (time, streams) in measured {
                times.append(time)
                for stream in streams { try? await stream.channel.close() }
            }
            done += batch
        }
        return Percentiles(times)
    }

    /// RSS growth of the relay per idle paired session.
    static func idleMemory(
        pid: Int32, pairs: Int, pair: @escaping @Sendable () async throws -> [Stream]
    ) async throws -> (before: Double, after: Double, perPair: Double) {
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let before = rss(pid)
        var held: [Stream] = []
        var made = 0
        while made < pairs {
            let batch = min(200, pairs - made)
            let streams = try await withThrowingTaskGroup(of: [Stream].self) { group in
                for _ in 0..<batch { group.addTask { try await pair() } }
                var all: [Stream] = []
                for try await streams in group { all += streams }
                return all
            }
            for stream in streams { try await stream.ready.get() }
            held += streams
            made += batch
        }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let after = rss(pid)
        for stream in held { stream.channel.close(promise: nil) }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        return (before, after, (after - before) / Double(pairs))
    }

    /// Resident memory of a process, in bytes.
    static func rss(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kib * 1024
    }
}
