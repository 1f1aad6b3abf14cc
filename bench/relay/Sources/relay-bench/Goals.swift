import Foundation

/// The issue's goals, as ratios.
enum Goals {
    static func report(
        results: [String: [String: Double]], setups: [String: Percentiles], perPairBytes: Double
    ) {
        func r(_ path: String, _ key: String) -> Double { results[path]?[key] ?? 0 }
        var lines: [(String, Double, String, Bool)] = []
        for (suffix, way) in [("", "to agent"), (" back", "to operator")] {
            let tcp1 =
                r("relay TCP", "1 stream MB/s" + suffix)
                / r("HAProxy TCP", "1 stream MB/s" + suffix)
            lines.append(("relay TCP / HAProxy, 1 stream, \(way)", tcp1, "≥ 0.6×", tcp1 >= 0.6))
            let tcp64 =
                r("relay TCP", "64 streams MB/s" + suffix)
                / r("HAProxy TCP", "64 streams MB/s" + suffix)
            lines.append(("relay TCP / HAProxy, 64 streams, \(way)", tcp64, "≥ 0.8×", tcp64 >= 0.8))
            for streams in ["1 stream", "64 streams"] {
                let key = streams + " MB/s" + suffix
                let ws = r("relay WebSocket", key) / r("websockify", key)
                lines.append(("relay WS / websockify, \(streams), \(way)", ws, "≥ 3×", ws >= 3))
            }
        }
        say("\ngoals")
        for (name, ratio, goal, ok) in lines {
            say(
                String(
                    format: "  %-40@ %6.2f×  goal %@  %@", name as NSString, ratio, goal,
                    ok ? "met" : "MISSED"))
        }
        /// What `mode` adds to direct TCP's round trip at `key` ("rtt" at 64 streams, "rtt1"
        /// for one stream alone), in ms: (p50, p99).
        func added(_ mode: String, _ key: String) -> (Double, Double) {
            (
                (r(mode, key + " p50 us") - r("direct TCP", key + " p50 us")) / 1000,
                (r(mode, key + " p99 us") - r("direct TCP", key + " p99 us")) / 1000
            )
        }
        for mode in ["HAProxy TCP", "relay TCP", "relay WebSocket"] {
            let (busy50, busy99) = added(mode, "rtt")
            let verdict = mode.hasPrefix("relay") ? (busy99 <= 1 ? "met" : "MISSED") : "(baseline)"
            say(
                String(
                    format: "  %-40@ p50 %+.3f ms  p99 %+.3f ms  goal p99 ≤ 1 ms  %@",
                    "\(mode) added RTT at 64 streams" as NSString, busy50, busy99, verdict))
            let (alone50, alone99) = added(mode, "rtt1")
            say(
                String(
                    format: "  %-40@ p50 %+.3f ms  p99 %+.3f ms  (for reference)",
                    "\(mode) added RTT, one stream alone" as NSString, alone50, alone99))
            guard let setup = setups[mode] else { continue }
            let s = setup.p50 / 1000
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
