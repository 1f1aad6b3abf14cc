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
SWIFT="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
size_mib=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) size_mib="$2"; shift 2 ;;
    *) echo "usage: bench/files/run.sh [--size-mib N]" >&2; exit 2 ;;
  esac
done
for tool in haproxy sshd scp ssh-keygen python3 curl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "needs $tool (scripts/install-deps --test installs haproxy and openssh-server)" >&2; exit 1; }
done
bin="${TSUNAGU_BIN_DIR:-}"
if [ -z "$bin" ]; then
  for product in tsunagu-server tsunagu-relay tsunagu-agent tsunagu; do
    "$SWIFT" build -c release --package-path "$root" --product "$product" >&2
  done
  bin="$("$SWIFT" build -c release --package-path "$root" --show-bin-path)"
fi

work="$(mktemp -d /dev/shm/tsunagu-files-bench.XXXXXX)"
pids=()
cleanup() {
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
rate() { python3 -c "import sys; b,s=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/s/1e6:.1f}')" "$1" "$2"; }

bytes=$((size_mib * 1024 * 1024))
head -c "$bytes" /dev/urandom >"$work/source.bin"
expected="$(sha256sum "$work/source.bin" | cut -c1-64)"
mkdir -p "$work/shared" "$work/back" "$work/plain" "$work/scp"

# --- Tsunagu: server without its embedded relay, a standalone relay, a gateway agent -----
port=$(free_port); relay_port=$(free_port); url="http://127.0.0.1:$port"
"$bin/tsunagu-server" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --no-embedded-relay \
  >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/tsunagu-server" tenant create --company BENCH --name Bench --seats 2 --data-dir "$work/data" >/dev/null
printf 'bench-password' | "$bin/tsunagu-server" operator create --company BENCH --login admin \
  --role admin --password-stdin --data-dir "$work/data" >/dev/null
token="$("$bin/tsunagu-server" enroll-token create --company BENCH --data-dir "$work/data" | tail -n 1 | tr -d '[:space:]')"
key="$("$bin/tsunagu-server" relay-key create --id bench-relay --url "ws://127.0.0.1:$relay_port/relay/v1" \
  --data-dir "$work/data" | tail -n 1 | tr -d '[:space:]')"
"$bin/tsunagu-relay" --listen "127.0.0.1:$relay_port" --server "$url" --relay-key "$key" \
  --report-interval 1 >"$work/relay.log" 2>&1 &
pids+=($!)
# Gateway mode needs no X display; the files channel does not care where the screen is.
printf 'pc-password\n' | "$bin/tsunagu-agent" run --server "$url" --company BENCH --name pc \
  --password-stdin --enroll-token "$token" --vnc 127.0.0.1:1 --mode unattended \
  --state-dir "$work/agent-state" --files-root "$work/shared" >"$work/agent.log" 2>&1 &
pids+=($!)
export TSUNAGU_CONFIG_DIR="$work/cli"
printf 'bench-password' | "$bin/tsunagu" login --server "$url" --company BENCH --login admin \
  --password-stdin >/dev/null
for _ in $(seq 1 100); do "$bin/tsunagu" devices 2>/dev/null | grep -q "pc.*online" && break; sleep 0.2; done
sleep 1.5  # the relay's first report reaches the server within its 1 s interval

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
ssh_port=$(free_port)
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
/usr/sbin/sshd -D -e -p "$ssh_port" -o ListenAddress=127.0.0.1 -h "$work/host_key" \
  -o AuthorizedKeysFile="$work/authorized_keys" -o StrictModes=no -o PasswordAuthentication=no \
  -o PidFile="$work/sshd.pid" >"$work/sshd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && break; sleep 0.1; done
start=$(now)
scp -q -P "$ssh_port" -i "$work/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
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
