#!/usr/bin/env bash
# The files benchmark, on loopback in one run: 1 GiB pushed and pulled with `tsunagu files`
# through a standalone tsunagu-relay (release builds), the same bytes through HAProxy in TCP
# mode with a plain sender and receiver, and `scp` to Debian's sshd on a loopback port.
# Prints MB/s for each and the ratios against the goals (>= 0.9x HAProxy, >= 1.5x scp).
#   bench/files/run.sh [--size-mib N]
# TSUNAGU_BIN_DIR=DIR uses binaries already built there (default: swift build -c release).
# Files live in /dev/shm so that the disk does not decide the figures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh"
size_mib=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) size_mib="$2"; shift 2 ;;
    *) echo "usage: bench/files/run.sh [--size-mib N]" >&2; exit 2 ;;
  esac
done
require_tools haproxy sshd scp ssh-keygen python3 curl
bin="$(release_bin "$root")"

begin_bench /dev/shm
rate() { python3 -c "import sys; b,s=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/s/1e6:.1f}')" "$1" "$2"; }

bytes=$((size_mib * 1024 * 1024))
head -c "$bytes" /dev/urandom >"$work/source.bin"
expected="$(sha256sum "$work/source.bin" | cut -c1-64)"
mkdir -p "$work/shared" "$work/back" "$work/plain" "$work/scp"

# --- Tsunagu: server without its embedded relay, a standalone relay, a gateway agent -----
start_tsunagu_stack --files-root "$work/shared"

start=$(now)
printf 'pc-password\n' | "$bin/tsunagu" files push pc --password-stdin "$work/source.bin" "$work/shared" \
  >"$work/push.log" 2>&1
push_s=$(python3 -c "print($(now) - $start)")
start=$(now)
printf 'pc-password\n' | "$bin/tsunagu" files pull pc --password-stdin "$work/shared/source.bin" "$work/back" \
  >"$work/pull.log" 2>&1
pull_s=$(python3 -c "print($(now) - $start)")
[ "$(sha256sum "$work/shared/source.bin" | cut -c1-64)" = "$expected" ] || { echo "push: hash differs" >&2; exit 1; }
[ "$(sha256sum "$work/back/source.bin" | cut -c1-64)" = "$expected" ] || { echo "pull: hash differs" >&2; exit 1; }
rm -f "$work/shared/source.bin" "$work/back/source.bin"

# --- HAProxy in TCP mode between a plain sender and receiver ------------------------------
recv_port=$(free_port); proxy_port=$(free_port)
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 100
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen files
  bind 127.0.0.1:$proxy_port
  server receiver 127.0.0.1:$recv_port
CFG
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
python3 "$here/plain.py" receive "$recv_port" "$work/plain/received.bin" >"$work/receive.log" 2>&1 &
receiver=$!
sleep 0.5
start=$(now)
python3 "$here/plain.py" send "$proxy_port" "$work/source.bin"
wait "$receiver"
plain_s=$(python3 -c "print($(now) - $start)")
[ "$(sha256sum "$work/plain/received.bin" | cut -c1-64)" = "$expected" ] || { echo "haproxy: hash differs" >&2; exit 1; }
rm -f "$work/plain/received.bin"

# --- scp to sshd on a loopback port ---------------------------------------------------------
start_sshd
start=$(now)
scp -q -P "$ssh_port" -i "$ssh_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  "$work/source.bin" "$(id -un)@127.0.0.1:$work/scp/received.bin"
scp_s=$(python3 -c "print($(now) - $start)")
[ "$(sha256sum "$work/scp/received.bin" | cut -c1-64)" = "$expected" ] || { echo "scp: hash differs" >&2; exit 1; }

push=$(rate "$bytes" "$push_s"); pull=$(rate "$bytes" "$pull_s")
plain=$(rate "$bytes" "$plain_s"); scp_rate=$(rate "$bytes" "$scp_s")
echo "files benchmark: $size_mib MiB on loopback, $(nproc) cores (MB/s = 10^6 bytes/s; each command's whole run)"
printf '  %-52s %8s MB/s\n' "tsunagu files push (standalone relay, SHA-256 checked)" "$push" \
  "tsunagu files pull (standalone relay, SHA-256 checked)" "$pull" \
  "HAProxy TCP mode, plain sender/receiver" "$plain" "scp (OpenSSH, loopback sshd)" "$scp_rate"
python3 - "$push" "$pull" "$plain" "$scp_rate" <<'PY'
import sys
push, pull, plain, scp = map(float, sys.argv[1:])
for name, ours in (("push", push), ("pull", pull)):
    a, b = ours / plain, ours / scp
    print(f"  {name}: {a:.2f}x HAProxy (goal >= 0.9: {'met' if a >= 0.9 else 'NOT met'}), "
          f"{b:.2f}x scp (goal >= 1.5: {'met' if b >= 1.5 else 'NOT met'})")
PY
