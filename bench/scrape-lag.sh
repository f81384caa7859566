#!/usr/bin/env bash
# Issue 30's goal at 1,000 targets: how long a scrape of /metrics takes and how late attempts start, with the garbage
# collections behind both, one daemon after the other against the same HAProxy TLS target (ECDSA P-256, full
# handshakes). Each row is a build (JAR or OLD_JAR) and JVM flags after the image's jvm.options; each runs alone for
# WARMUP seconds, then MEASURE seconds during which /metrics is scraped with gzip every 15 s as Prometheus does (the
# PodMonitor's interval), then five plain scrapes. Printed per row: attempts/s, lag p50/p99/p99.9 over MEASURE (bucket
# upper bounds of egress_probe_schedule_lag_seconds), the gzip scrapes' median and max, the plain scrapes' median,
# young and full collections in MEASURE with their total and longest pause (-Xlog:gc), the live heap after a full
# collection, resident and peak resident memory, and CPU % of a core.
#   [OLD_JAR=old.jar] [ROWS='name|FLAGS;name|FLAGS'] bench/scrape-lag.sh [TARGETS=1000] [INTERVAL=10s] [WARMUP=60] [MEASURE=120]
# ROWS defaults to one row with -Xmx96m (README "Sizing" for 1,000 targets); OLD_JAR adds the same rows for that build.
# On a machine shared with builds, `nice -n -10 bench/scrape-lag.sh …` gives the whole run (HAProxy, the daemons, the
# scraper) the CPU first, as a pod's CPU request does on a busy node.
# Needs: the jar (mvn -q -DskipTests package), haproxy, openssl, curl, python3, jcmd. Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-1000}
interval=${2:-10s}
warmup=${3:-60}
measure=${4:-120}
rows=${ROWS:-"image+-Xmx96m|-Xmx96m"}
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "apt-get install haproxy" >&2; exit 1; }
source bench/lib.sh
bench_work
cp jvm.options "$work/jvm.options"
[ -z "${OLD_JAR:-}" ] || cp "$OLD_JAR" "$work/old.jar"
start_tls_target

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $targets targets every $interval; warm-up ${warmup}s, measured ${measure}s" >&2
printf "%-8s %-22s %6s %7s %7s %8s %8s %8s %8s %6s %8s %5s %8s %8s %8s %7s %8s %5s\n" build flags att/s lag_p50 lag_p99 lag_p999 \
  gz_ms gz_max plain_ms young young_ms full full_ms full_max live_MiB rss_MiB peak_MiB cpu%

run_row() { # build jar name flags
  local build=$1 jar=$2 name=$3 flags=$4 port daemon c0 c1 t0 t1
  port=$(free_port)
  { echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: $interval }"; echo "targets:"
    for i in $(seq 1 "$targets"); do echo "  - { name: t$i, host: localhost, port: $tls, tls: { caFile: $work/cert.pem } }"; done
  } > "$work/config-$port.yaml"
  # shellcheck disable=SC2086
  java @"$work/jvm.options" $flags -Xlog:gc:file="$work/gc-$port.log" -jar "$jar" run --config "$work/config-$port.yaml" \
    >"$work/daemon-$port.log" 2>&1 &
  daemon=$!; pids+=($daemon)
  sleep "$warmup"
  c0=$(ticks "$daemon"); t0=$(date +%s%N)
  python3 - "$port" "$measure" "$work/gc-$port.log" "$(ps -o etimes= -p "$daemon")" > "$work/row-$port.txt" <<'PY'
import gzip, re, statistics, sys, time, urllib.request
port, measure, gclog, uptime0 = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
url = "http://127.0.0.1:%s/metrics" % port
def scrape(gz):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gz else {})
    t = time.perf_counter(); body = urllib.request.urlopen(req, timeout=60).read(); ms = (time.perf_counter() - t) * 1000
    return ms, gzip.decompress(body).decode() if gz else body.decode()
def lag(text):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'^egress_probe_schedule_lag_seconds_bucket\{[^}]*le="([^"]+)"\} (\S+)$', text, re.M)}
_, text = scrape(True); b0 = lag(text)
start = time.monotonic(); gz = []
while True:
    ms, text = scrape(True); gz.append(ms); last = time.monotonic()
    if last - start >= measure:
        break
    time.sleep(max(0, 15 - (last - start) % 15))
b1 = lag(text); elapsed = last - start
plain = sorted(scrape(False)[0] for _ in range(5))
total = b1["+Inf"] - b0["+Inf"]
bounds = sorted(b1, key=lambda k: float("inf") if k == "+Inf" else float(k))
q = []
for want in (0.5, 0.99, 0.999):
    for k in bounds:
        if b1[k] - b0.get(k, 0) >= want * total:
            q.append("<=%g" % (float(k) * 1000) if k != "+Inf" else ">1000"); break
young = []; full = []
for line in open(gclog):
    m = re.match(r'\[(\d+\.\d+)s\].*Pause (Young|Full).* (\d+\.\d+)ms$', line)
    if m and uptime0 <= float(m.group(1)) <= uptime0 + elapsed:
        (young if m.group(2) == "Young" else full).append(float(m.group(3)))
print("%.1f %s %s %s %.0f %.0f %.0f %d %.0f %d %.0f %.0f" % (total / elapsed, q[0], q[1], q[2], statistics.median(gz), max(gz),
      plain[2], len(young), sum(young), len(full), sum(full), max(full, default=0)))
PY
  c1=$(ticks "$daemon"); t1=$(date +%s%N)
  read -r rate p50 p99 p999 gzms gzmax plainms young youngms full fullms fullmax < "$work/row-$port.txt"
  rss=$(rss_mib "$daemon"); peak=$(( $(proc_status "$daemon" VmHWM) / 1024 ))
  live=$(live_heap "$daemon")
  printf "%-8s %-22s %6s %7s %7s %8s %8s %8s %8s %6s %8s %5s %8s %8s %8s %7s %8s %5.0f\n" "$build" "$name" "$rate" "$p50" "$p99" "$p999" \
    "$gzms" "$gzmax" "$plainms" "$young" "$youngms" "$full" "$fullms" "$fullmax" "$live" "$rss" "$peak" \
    "$(echo "($c1-$c0)*100/$(getconf CLK_TCK)/(($t1-$t0)/1000000000)" | bc -l)"
  kill "$daemon"; wait "$daemon" 2>/dev/null || true
}

IFS=';' read -ra specs <<<"$rows"
for spec in "${specs[@]}"; do
  [ -z "${OLD_JAR:-}" ] || run_row old "$work/old.jar" "${spec%%|*}" "${spec#*|}"
  run_row this "$work/egress-probe.jar" "${spec%%|*}" "${spec#*|}"
done
echo "lag quantiles are bucket upper bounds in ms; pauses in ms; gz = the scrape Prometheus makes (gzip), every 15 s during the measurement" >&2
