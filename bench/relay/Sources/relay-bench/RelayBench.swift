import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Side by side on loopback: direct TCP, HAProxy (TCP mode), websockify, and tsunagu-relay in
/// TCP and WebSocket mode. Bounded work, loopback only; stops by itself.
@main
struct RelayBench {
    /// What answers at the far end of a path.
    enum FarEnd: Sendable {
        case discard, echo, source
    }

    struct Path: Sendable {
        var name: String
        /// A client stream with `behaviour` and the far end `far`.
        var open: @Sendable (_ behaviour: Behaviour, _ far: FarEnd) async throws -> [Stream]
        var bytesScale: Double = 1
    }

    static func main() async throws {
        let args = CommandLine.arguments
        let own = Array(args.prefix { $0 != "--" })
        /// The last value given for `flag` (run.sh puts its defaults first).
        func value(_ flag: String) -> String? {
            own.lastIndex(of: flag).flatMap { own.indices.contains($0 + 1) ? own[$0 + 1] : nil }
        }
        guard let relayBinary = value("--relay-bin") else {
            say(
                "usage: relay-bench --relay-bin PATH [--pairs N] [--quick] [--proxy-cpus LIST]"
                    + " [-- RELAY-OPTIONS…]")
            return
        }
        let pairs = Int(value("--pairs") ?? "10000")!
        let quick = args.contains("--quick")
        // Options after `--` go to tsunagu-relay (e.g. `--event-loops 1`).
        let relayOptions = args.firstIndex(of: "--").map { Array(args[($0 + 1)...]) } ?? []
        // With --proxy-cpus the proxies share those CPUs, one thread each per CPU (HAProxy's
        // nbthread, the relay's --event-loops; websockify has one), and the load the rest.
        let processes = Processes(proxyCPUs: value("--proxy-cpus"))
        let pinning = processes.proxyCPUCount.map { ["--event-loops", "\($0)"] } ?? []
        defer { processes.stopAll() }

        let received = NIOLockedValueBox(0)
        let (_, discardPort) = try await Connector.listen(behaviour: .discard(received))
        let (_, echoPort) = try await Connector.listen(behaviour: .echo)
        let (_, sourcePort) = try await Connector.listen(behaviour: .source)
        /// The sink behind every proxy, by far end.
        @Sendable func sink(_ far: FarEnd) -> Int {
            switch far {
            case .discard: discardPort
            case .echo: echoPort
            case .source: sourcePort
            }
        }
        let signer = BenchTicketSigner(relayID: "bench-relay")
        let answer =
            #"{"relayID":"bench-relay","serverKey":"\#(signer.publicKeyText)","endSessions":[]}"#
        let (_, controlPort) = try await FakeControlPlane.start(answer: answer)

        // HAProxy and websockify in front of the two sinks.
        let ends: [FarEnd] = [.discard, .echo, .source]
        var haproxyPorts: [FarEnd: Int] = [:]
        var websockifyPorts: [FarEnd: Int] = [:]
        for far in ends {
            haproxyPorts[far] = try await Connector.freePort()
            websockifyPorts[far] = try await Connector.freePort()
            try processes.start(
                "/usr/bin/websockify",
                ["127.0.0.1:\(websockifyPorts[far]!)", "127.0.0.1:\(sink(far))"])
        }
        try processes.haproxy(ports: ends.map { (haproxyPorts[$0]!, sink($0)) })
        let (hp, wp) = (haproxyPorts, websockifyPorts)
        let (rw, rt) = (try await Connector.freePort(), try await Connector.freePort())
        let relay = try processes.start(
            relayBinary,
            [
                "--listen", "127.0.0.1:\(rw)", "--server", "http://127.0.0.1:\(controlPort)",
                "--relay-key", "bench", "--tcp-listen", "127.0.0.1:\(rt)",
                "--max-sessions", "30000",
            ] + pinning + relayOptions)
        for port in Array(hp.values) + Array(wp.values) + [rw, rt] {
            try await Processes.waitForPort(port)
        }
        log("all listeners up")

        let sessionCounter = NIOLockedValueBox(0)
        @Sendable func nextSession() -> String {
            let number = sessionCounter.withLockedValue { counter in
                counter += 1
                return counter
            }
            return "s\(number)"
        }
        @Sendable func relayPair(ws: Bool, _ behaviour: Behaviour, far: FarEnd) async throws
            -> [Stream]
        {
            let session = nextSession()
            let opTicket = signer.ticket(session: session, role: "operator")
            let agentTicket = signer.ticket(session: session, role: "agent")
            let dial: Dial =
                ws
                ? .webSocket(port: rw, path: "/relay/v1", ticket: opTicket)
                : .relayTCP(port: rt, ticket: opTicket)
            async let op = Connector.open(dial, behaviour: behaviour)
            async let agent = Connector.open(
                .relayTCP(port: rt, ticket: agentTicket),
                behaviour: far == .echo ? .echo : far == .source ? .source : .discard(received))
            return try await [op, agent]
        }
        let paths: [Path] = [
            Path(name: "direct TCP") { b, far in
                [try await Connector.open(.tcp(port: sink(far)), behaviour: b)]
            },
            Path(name: "HAProxy TCP") { b, far in
                [try await Connector.open(.tcp(port: hp[far]!), behaviour: b)]
            },
            Path(
                name: "websockify",
                open: { b, far in
                    [
                        try await Connector.open(
                            .webSocket(port: wp[far]!, path: "/", ticket: nil), behaviour: b)
                    ]
                }, bytesScale: 0.25),
            Path(name: "relay TCP") { b, far in try await relayPair(ws: false, b, far: far) },
            Path(name: "relay WebSocket") { b, far in try await relayPair(ws: true, b, far: far) },
        ]

        let single = quick ? 256 << 20 : 2 << 30
        let perStream = quick ? 4 << 20 : 32 << 20
        var results: [String: [String: Double]] = [:]
        say(
            "relay benchmark on loopback (\(ProcessInfo.processInfo.activeProcessorCount) cores"
                + (processes.proxyCPUs.map { "; proxies on CPU \($0), load on the others" } ?? "")
                + ")")
        for path in paths {
            log("measuring \(path.name)")
            var r: [String: Double] = [:]
            // Client to far end (operator to agent), then far end to client (agent to operator:
            // the screen's direction, where the relay writes WebSocket frames).
            for (suffix, reverse) in [("", false), (" back", true)] {
                r["1 stream MB/s" + suffix] = try await Measure.throughput(
                    path, streams: 1, bytes: Int(Double(single) * path.bytesScale),
                    counter: received, reverse: reverse)
                r["64 streams MB/s" + suffix] = try await Measure.throughput(
                    path, streams: 64, bytes: Int(Double(perStream) * path.bytesScale),
                    counter: received, reverse: reverse)
            }
            let rtt = try await Measure.latency(path, streams: 64, rounds: quick ? 50 : 300)
            r["rtt p50 us"] = rtt.p50
            r["rtt p99 us"] = rtt.p99
            let alone = try await Measure.latency(path, streams: 1, rounds: quick ? 200 : 1000)
            r["rtt1 p50 us"] = alone.p50
            r["rtt1 p99 us"] = alone.p99
            results[path.name] = r
            say(
                "  \(path.name.padding(toLength: 16, withPad: " ", startingAt: 0))"
                    + String(
                        format:
                            " 1 stream %7.0f MB/s   64 streams %7.0f MB/s   RTT p50 %6.0f us  p99 %6.0f us"
                            + "   alone p50 %5.0f us  p99 %5.0f us",
                        r["1 stream MB/s"]!, r["64 streams MB/s"]!, rtt.p50, rtt.p99, alone.p50,
                        alone.p99)
                    + String(
                        format: "\n  %16@ back 1 stream %7.0f MB/s   64 streams %7.0f MB/s", "",
                        r["1 stream MB/s back"]!, r["64 streams MB/s back"]!))
        }
        var setups: [String: Percentiles] = [:]
        for ws in [false, true] {
            let name = ws ? "relay WebSocket" : "relay TCP"
            setups[name] = try await Measure.setup(count: quick ? 100 : 500, concurrency: 16) {
                try await relayPair(ws: ws, .idle, far: .discard)
            }
            say(
                String(
                    format: "  set-up %@: p50 %.2f ms  p99 %.2f ms", name, setups[name]!.p50 / 1000,
                    setups[name]!.p99 / 1000))
        }
        let memory = try await Measure.idleMemory(pid: relay.processIdentifier, pairs: pairs) {
            try await relayPair(ws: false, .idle, far: .discard)
        }
        say(
            String(
                format: "  idle pairs: %d, relay RSS %.1f → %.1f MiB, %.2f KiB per pair",
                pairs, memory.before / 1_048_576, memory.after / 1_048_576, memory.perPair / 1024))

        Goals.report(results: results, setups: setups, perPairBytes: memory.perPair)
    }
}

/// Progress on stderr, so that stdout holds only the figures.
func log(_ text: String) {
    FileHandle.standardError.write(Data("relay-bench: \(text)\n".utf8))
}

/// A line on stdout, unbuffered, so that a run cut short still shows what it measured.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
