#!/usr/bin/env bash
# The relay benchmark: builds tsunagu-relay (release) and the load tool, then runs direct TCP,
# HAProxy (TCP mode), websockify and tsunagu-relay (TCP and WebSocket mode) side by side on
# loopback, and prints the figures and the ratios against the goals. Stops by itself.
#   bench/relay/run.sh [--quick] [--pairs N] [-- RELAY-OPTIONS…]
# Options after -- go to tsunagu-relay (e.g. -- --event-loops 2). RELAY_BENCH_UNPINNED=1 lets
# the proxies and the load share all CPUs.
# RELAY_PACKAGE=DIR builds the relay from another package that has the product (default: the
# repository root).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${RELAY_PACKAGE:-$(cd "$here/../.." && pwd)}"
SWIFT="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
command -v haproxy >/dev/null && command -v websockify >/dev/null || {
    echo "needs Debian's haproxy and websockify (apt-get install haproxy websockify)" >&2; exit 1; }
# 10,000 idle pairs need 20,000 descriptors in the relay and as many in the load tool.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
"$SWIFT" build -c release --package-path "$root" --product tsunagu-relay >&2
"$SWIFT" build -c release --package-path "$here" --product relay-bench >&2
relay="$("$SWIFT" build -c release --package-path "$root" --show-bin-path)/tsunagu-relay"
bench="$("$SWIFT" build -c release --package-path "$here" --show-bin-path)/relay-bench"
pairs=10000
limit="$(ulimit -n)"
if [ "$limit" != unlimited ] && [ "$limit" -lt 20200 ]; then
    pairs=$(( (limit - 200) / 2 ))
    echo "open-file limit $limit: measuring $pairs idle pairs instead of 10,000" >&2
fi
# The proxy under test gets the last CPU to itself and the load tool the others, so that
# neither steals the other's time (unpinned, on 2 cores, latency measures the scheduler).
cores=$(nproc)
pin=()
if [ "$cores" -ge 2 ] && [ "${RELAY_BENCH_UNPINNED:-}" = "" ]; then
    pin=(taskset -c "0-$((cores - 2))")
    # One event loop per CPU the load has: two threads time-sliced on one CPU stall for
    # milliseconds, which would show as everyone's latency.
    export NIO_SINGLETON_GROUP_LOOP_COUNT=$((cores - 1))
    set -- --proxy-cpus "$((cores - 1))" "$@"
fi
exec timeout 900 "${pin[@]}" "$bench" --relay-bin "$relay" --pairs "$pairs" "$@"
