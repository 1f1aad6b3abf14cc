import Foundation

/// The issue's goals, as ratios.
enum Goals {
    static func report(
        results: [String: [String: Double]], setups: [String: Percentiles], perPairBytes: Double
    ) {
        func r(_ path: String, _ key: String) -> Double { results[path]?[key] ?? 0 }
        var lines: [(String, Double, String, Bool)] = []
        let tcp1 = r("relay TCP", "1 stream MB/s") / r("HAProxy TCP", "1 stream MB/s")
        lines.append(("relay TCP / HAProxy, 1 stream", tcp1, "≥ 0.6×", tcp1 >= 0.6))
        let tcp64 = r("relay TCP", "64 streams MB/s") / r("HAProxy TCP", "64 streams MB/s")
        lines.append(("relay TCP / HAProxy, 64 streams", tcp64, "≥ 0.8×", tcp64 >= 0.8))
        for streams in ["1 stream MB/s", "64 streams MB/s"] {
            let ws = r("relay WebSocket", streams) / r("websockify", streams)
            lines.append(
                (
                    "relay WS / websockify, \(streams.prefix { $0 != " " }) stream(s)", ws, "≥ 3×",
                    ws >= 3
                ))
        }
        say("\ngoals")
        for (name, ratio, goal, ok) in lines {
            say(
                String(
                    format: "  %-40@ %6.2f×  goal %@  %@", name as NSString, ratio, goal,
                    ok ? "met" : "MISSED"))
        }
        for mode in ["relay TCP", "relay WebSocket"] {
            let added = (r(mode, "rtt p99 us") - r("direct TCP", "rtt p99 us")) / 1000
            let added50 = (r(mode, "rtt p50 us") - r("direct TCP", "rtt p50 us")) / 1000
            say(
                String(
                    format: "  %-40@ p50 %+.3f ms  p99 %+.3f ms  goal p99 ≤ 1 ms  %@",
                    "\(mode) added RTT at 64 streams" as NSString, added50, added,
                    added <= 1 ? "met" : "MISSED"))
            let s = setups[mode]!.p50 / 1000
            say(
                String(
                    format: "  %-40@ %.2f ms  goal ≤ 50 ms  %@", "\(mode) set-up p50" as NSString,
                    s, s <= 50 ? "met" : "MISSED"))
        }
        let kib = perPairBytes / 1024
        say(
            String(
                format: "  %-40@ %.2f KiB  goal ≤ 20 KiB  %@", "memory per idle pair" as NSString,
                kib, kib <= 20 ? "met" : "MISSED"))
    }
}
