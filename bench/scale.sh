#!/usr/bin/env bash
# How the daemon's cost grows with the number of targets: for each size in turn, `run` with N targets at 1 attempt/s
# against one HAProxy TLS target (ECDSA P-256, full handshakes), with the image's JVM flags (jvm.options) and a heap
# for 1,000 targets probed every second (-Xmx160m). After WARMUP seconds it
# reads the counters, after MEASURE more seconds again, and prints one row per size: scheduling lag (actual start -
# planned start, from egress_probe_schedule_lag_seconds over the measured interval; quantiles are the upper bounds of
# the buckets they fall in), attempts/s, CPU per attempt, RSS, threads, open files, `/metrics` and `/api/v1/targets`
# size and time (median of 5 warm requests).
#   [CONFIG_EXTRA="metrics: { phaseHistograms: false }"] bench/scale.sh [SIZES="10 100 1000"] [WARMUP=60] [MEASURE=60]
# CONFIG_EXTRA, if set, is appended to each config as top-level YAML.
# Needs: the jar (mvn -q -DskipTests package), haproxy, openssl, curl, python3. Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"10 100 1000"}
warmup=${2:-60}
measure=${3:-60}
flags=(@jvm.options -Xmx160m)
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "apt-get install haproxy" >&2; exit 1; }
work=$(mktemp -d)
cp target/egress-probe.jar "$work/egress-probe.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source bench/lib.sh
tck=$(getconf CLK_TCK)

start_tls_target
tls_port=$tls

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); warm-up ${warmup}s, measured ${measure}s; flags: ${flags[*]}" >&2
printf "%7s %7s %5s %8s %8s %8s %8s %11s %7s %7s %5s %10s %9s %8s %8s %10s %9s\n" targets att/s ok% lag_p50 lag_p99 lag_p999 \
  cpu_ms/att cpu_%core rss_MiB threads fds metrics_B scrape_ms gzip_B gzip_ms targets_B api_ms

# Prints "count le1 le2 ..." of the lag histogram: cumulative counts per bucket bound, in seconds.
lag_buckets() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^egress_probe_schedule_lag_seconds_bucket/ {
    match($0, /le="[^"]*"/); le=substr($0, RSTART+4, RLENGTH-5); printf "%s=%s ", le, $2 } END { print "" }'; }
attempts() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}'; }
successes() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^egress_probe_attempts_total\{.*result="success"/{s+=$2} END{print s+0}'; }
# Median time and size of five requests to URL after one to warm it; with a second argument, asking for gzip as
# Prometheus does.
timed() { python3 - "$@" <<'PY'
import sys, time, urllib.request
url = sys.argv[1]
request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if len(sys.argv) > 2 else {})
urllib.request.urlopen(request).read()
runs = []
for _ in range(5):
    t = time.perf_counter(); size = len(urllib.request.urlopen(request).read()); runs.append((time.perf_counter() - t) * 1000)
print(size, round(sorted(runs)[2], 1))
PY
}

for n in $sizes; do
  port=$(free_port)
  { echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: 1s }"; echo "targets:"
    for i in $(seq 1 "$n"); do echo "  - { name: t$i, host: localhost, port: $tls_port, tls: { caFile: $work/cert.pem } }"; done
    [ -z "${CONFIG_EXTRA:-}" ] || echo "$CONFIG_EXTRA"
  } > "$work/scale-$n.yaml"
  java "${flags[@]}" -jar "$work/egress-probe.jar" run --config "$work/scale-$n.yaml" >"$work/daemon-$n.log" 2>&1 &
  daemon=$!; pids+=($daemon)
  sleep "$warmup"
  b0=$(lag_buckets "$port"); a0=$(attempts "$port"); s0=$(successes "$port"); c0=$(ticks "$daemon"); t0=$(date +%s%N)
  sleep "$measure"
  b1=$(lag_buckets "$port"); a1=$(attempts "$port"); s1=$(successes "$port"); c1=$(ticks "$daemon"); t1=$(date +%s%N)
  rss=$(awk '/^VmRSS:/{printf "%.0f", $2/1024}' "/proc/$daemon/status")
  threads=$(awk '/^Threads:/{print $2}' "/proc/$daemon/status"); fds=$(ls "/proc/$daemon/fd" | wc -l)
  read -r msize mms < <(timed "http://127.0.0.1:$port/metrics")
  read -r gsize gms < <(timed "http://127.0.0.1:$port/metrics" gzip)
  read -r tsize tms < <(timed "http://127.0.0.1:$port/api/v1/targets")
  quantiles=$(python3 - "$b0" "$b1" <<'PY'
import sys
def parse(s):
    return {k: float(v) for k, v in (p.split("=") for p in s.split())}
b0, b1 = parse(sys.argv[1]), parse(sys.argv[2])
bounds = sorted((float(k) if k != "+Inf" else float("inf"), k) for k in b1)
total = b1["+Inf"] - b0.get("+Inf", 0)
out = []
for q in (0.5, 0.99, 0.999):
    for bound, key in bounds:
        if b1[key] - b0.get(key, 0) >= q * total:
            out.append("<=%g" % (bound * 1000) if bound != float("inf") else ">1000")
            break
print(*out)
PY
)
  read -r p50 p99 p999 <<<"$quantiles"
  elapsed=$(echo "($t1-$t0)/1000000000" | bc -l)
  printf "%7d %7.1f %5.1f %8s %8s %8s %8.2f %11.1f %7d %7d %5d %10d %9s %8d %8s %10d %9s\n" "$n" \
    "$(echo "($a1-$a0)/$elapsed" | bc -l)" "$(echo "($s1-$s0)*100/($a1-$a0)" | bc -l)" "$p50" "$p99" "$p999" \
    "$(echo "($c1-$c0)*1000/$tck/($a1-$a0)" | bc -l)" "$(echo "($c1-$c0)*100/$tck/$elapsed" | bc -l)" \
    "$rss" "$threads" "$fds" "$msize" "$mms" "$gsize" "$gms" "$tsize" "$tms"
  kill "$daemon"; wait "$daemon" 2>/dev/null || true
done
echo "lag quantiles are bucket upper bounds in ms (the histogram has no _max series)" >&2
