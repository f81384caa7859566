#!/usr/bin/env bash
# Leaks show over time: `run` with 200 targets at 1/s for MINUTES, 180 healthy (HAProxy TLS), 10 refused (nothing
# listens) and 10 silent (a server that accepts and never speaks: probe timeouts), with the image's JVM flags. Samples
# RSS, open file descriptors, threads and attempts every minute, and prints the least-squares slope of each after
# WARMUP minutes.
#   bench/soak.sh [MINUTES=30] [WARMUP=5]
# Needs: the jar (mvn -q -DskipTests package), haproxy, openssl, curl, python3. Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
warmup=${2:-5}
flags=(@jvm.options)
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
cp target/egress-probe.jar "$work/egress-probe.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source bench/lib.sh

self_signed "$work" cert ec
tls_port=$(free_port); refused_port=$(free_port); silent_port=$(free_port); port=$(free_port)
haproxy_tls_config "$work/haproxy.cfg" "127.0.0.1:$tls_port=$work/cert.haproxy.pem"
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)
# Accepts and never answers; the probe's deadline ends each attempt and closes the connection.
python3 - "$silent_port" <<'PY' & pids+=($!)
import socket, sys, select
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
held = []
while True:
    readable, _, _ = select.select([s] + held, [], [])
    for r in readable:
        if r is s:
            held.append(s.accept()[0])
        elif not r.recv(4096):
            held.remove(r); r.close()
PY

{ echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: 1s, probeTimeout: 5s }"; echo "targets:"
  for i in $(seq 1 180); do echo "  - { name: ok$i, host: localhost, port: $tls_port, tls: { caFile: $work/cert.pem } }"; done
  for i in $(seq 1 10); do echo "  - { name: refused$i, host: localhost, port: $refused_port }"; done
  for i in $(seq 1 10); do echo "  - { name: silent$i, host: localhost, port: $silent_port }"; done
} > "$work/soak.yaml"
java "${flags[@]}" -jar "$work/egress-probe.jar" run --config "$work/soak.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!; pids+=($daemon)
echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); 200 targets for ${minutes} min; flags: ${flags[*]}" >&2
printf "%6s %8s %6s %8s %10s %10s\n" minute rss_MiB fds threads attempts failures
for m in $(seq 1 "$minutes"); do
  sleep 60
  metrics=$(curl -s "http://127.0.0.1:$port/metrics")
  printf "%6d %8.1f %6d %8d %10.0f %10.0f\n" "$m" "$(awk '/^VmRSS:/{print $2/1024}' "/proc/$daemon/status")" \
    "$(ls "/proc/$daemon/fd" | wc -l)" "$(awk '/^Threads:/{print $2}' "/proc/$daemon/status")" \
    "$(awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}' <<<"$metrics")" \
    "$(awk '/^egress_probe_attempts_total\{.*result="failure"/{s+=$2} END{print s+0}' <<<"$metrics")"
done | tee "$work/soak.tsv"
python3 - "$work/soak.tsv" "$warmup" <<'PY'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r[0] > float(sys.argv[2])]
if len(rows) < 3:
    sys.exit("too few samples after the warm-up for a slope")
def slope(i):
    xs = [r[0] for r in rows]; ys = [r[i] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
print("slope per minute after minute %s: RSS %+.3f MiB, fds %+.3f, threads %+.3f; attempts/s %.1f" % (
    sys.argv[2], slope(1), slope(2), slope(3), slope(4) / 60))
PY
