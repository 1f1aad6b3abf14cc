# Shared by the benchmarks that run the real Tsunagu processes beside a baseline: sourced,
# not run. `begin_bench` makes $work and the `pids` array whose processes end with the script;
# the start_* functions need $bin (the release binaries, from `release_bin`).

# Fails unless every tool is installed (sshd and haproxy may live in /usr/sbin).
require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
      echo "needs $tool (scripts/install-deps --test installs haproxy and openssh-server)" >&2; exit 1; }
  done
}

# A scratch folder under $1 (e.g. /dev/shm), removed at exit with every process in `pids`.
begin_bench() {
  work="$(mktemp -d "$1/tsunagu-bench.XXXXXX")"
  pids=()
  trap end_bench EXIT INT TERM
}

end_bench() {
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# Builds the release binaries unless TSUNAGU_BIN_DIR names them; prints their folder.
release_bin() {
  local root="$1"
  if [ -n "${TSUNAGU_BIN_DIR:-}" ]; then echo "$TSUNAGU_BIN_DIR"; return; fi
  local swift="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
  for product in tsunagu-server tsunagu-relay tsunagu-agent tsunagu; do
    "$swift" build -c release --package-path "$root" --product "$product" >&2
  done
  "$swift" build -c release --package-path "$root" --show-bin-path
}

# A server without its embedded relay, a standalone relay and a gateway agent `pc` (no X
# display needed; its files and terminal channels do not care where the screen is), and a
# logged-in CLI. Extra arguments go to the agent. Sets $url.
start_tsunagu_stack() {
  local port relay_port token key
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
  printf 'pc-password\n' | "$bin/tsunagu-agent" run --server "$url" --company BENCH --name pc \
    --password-stdin --enroll-token "$token" --vnc 127.0.0.1:1 --mode unattended \
    --state-dir "$work/agent-state" "$@" >"$work/agent.log" 2>&1 &
  pids+=($!)
  export TSUNAGU_CONFIG_DIR="$work/cli"
  printf 'bench-password' | "$bin/tsunagu" login --server "$url" --company BENCH --login admin \
    --password-stdin >/dev/null
  for _ in $(seq 1 100); do "$bin/tsunagu" devices 2>/dev/null | grep -q "pc.*online" && break; sleep 0.2; done
  sleep 1.5  # the relay's first report reaches the server within its 1 s interval
}

# Debian's sshd on a loopback port with a throwaway host key and a client key; sets
# $ssh_port and $ssh_key.
start_sshd() {
  ssh_port=$(free_port)
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
  cp "$work/client_key.pub" "$work/authorized_keys"
  /usr/sbin/sshd -D -e -p "$ssh_port" -o ListenAddress=127.0.0.1 -h "$work/host_key" \
    -o AuthorizedKeysFile="$work/authorized_keys" -o StrictModes=no -o PasswordAuthentication=no \
    -o PidFile="$work/sshd.pid" >"$work/sshd.log" 2>&1 &
  pids+=($!)
  ssh_key="$work/client_key"
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && break; sleep 0.1; done
}
