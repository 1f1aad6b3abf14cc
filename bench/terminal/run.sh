#!/usr/bin/env bash
# The terminal benchmark, on loopback in one run: a keystroke's echo through `tsunagu shell`
# (CLI -> standalone relay -> agent -> PTY running cat, and back) and through `ssh -tt` to
# Debian's sshd on a loopback port (the same cat on a PTY). Prints p50/p90/max in ms for each
# and the ratio against the goal (ours no slower than ssh at p50).
#   bench/terminal/run.sh [--count N]
# TSUNAGU_BIN_DIR=DIR uses binaries already built there (default: swift build -c release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh"
count=200
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    *) echo "usage: bench/terminal/run.sh [--count N]" >&2; exit 2 ;;
  esac
done
require_tools sshd ssh ssh-keygen python3 curl
bin="$(release_bin "$root")"

begin_bench /tmp

start_tsunagu_stack
start_sshd

ours=$(python3 "$here/echo.py" --first-line pc-password --count "$count" -- \
  "$bin/tsunagu" shell pc --password-stdin -- cat)
theirs=$(python3 "$here/echo.py" --count "$count" -- \
  ssh -tt -p "$ssh_port" -i "$ssh_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o LogLevel=ERROR "$(id -un)@127.0.0.1" cat)

echo "terminal benchmark: $count keystrokes on loopback, $(nproc) cores (echo of each, ms)"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = (json.loads(a) for a in sys.argv[1:])
for name, r in (("tsunagu shell (standalone relay)", ours), ("ssh -tt (OpenSSH, loopback sshd)", theirs)):
    print(f"  {name:<36} p50 {r['p50']:6.2f}  p90 {r['p90']:6.2f}  max {r['max']:7.2f}")
ratio = ours["p50"] / theirs["p50"]
print(f"  p50: ours / ssh = {ratio:.2f} (goal <= 1.0: {'met' if ratio <= 1.0 else 'NOT met'})")
PY
