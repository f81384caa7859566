#!/usr/bin/env bash
# RSS, CPU and scrape cost of `run` with N targets after S seconds, for two JVM flag sets side by side
# (same machine, same time, same TLS server), so that noise hits both alike.
#   bench/rss.sh [TARGETS=10] [SECONDS=120]
# Needs: the jar (mvn -q -DskipTests package), openssl, curl. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-10}
duration=${2:-120}
jar=target/egress-probe.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
cp "$jar" "$work/egress-probe.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A TLS target: openssl's own server, ECDSA P-256, on a free loopback port.
source bench/lib.sh
self_signed "$work" cert ec
tls_port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$work/cert.pem" -key "$work/cert.key" -www >/dev/null 2>&1 &
pids+=($!)

started=""
start_daemon() { # name port flags... ; sets $started to the PID (no subshell, so cleanup knows it)
  local name=$1 port=$2; shift 2
  { echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: 1s }"; echo "targets:"
    for i in $(seq 1 "$targets"); do
      echo "  - { name: t$i, host: localhost, port: $tls_port, tls: { caFile: $work/cert.pem } }"
    done; } > "$work/$name.yaml"
  # A copy of the jar: rebuilding target/ while this runs must not pull classes from under the JVMs.
  java "$@" -jar "$work/egress-probe.jar" run --config "$work/$name.yaml" > "$work/$name.log" 2>&1 &
  pids+=($!)
  started=$!
}

flags_default=()
flags_container=(-XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxDirectMemorySize=32m)
p1=$(free_port); start_daemon default "$p1" "${flags_default[@]}"; d1=$started
p2=$(free_port); start_daemon container "$p2" "${flags_container[@]}"; d2=$started
echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $targets targets at 1/s for ${duration}s" >&2
tck=$(getconf CLK_TCK)
attempts_of() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}'; }
# CPU per attempt is taken over the steady state: from a quarter of the run to its end, after start-up and JIT.
sleep $((duration / 4))
a1=$(attempts_of "$p1"); c1=$(ticks "$d1"); a2=$(attempts_of "$p2"); c2=$(ticks "$d2")
sleep $((duration - duration / 4))
report() { # name pid port attempts0 ticks0
  local name=$1 pid=$2 port=$3 a0=$4 c0=$5
  local rss hwm threads fds size t0 t1 attempts used
  rss=$(awk '/^VmRSS:/{print $2}' /proc/$pid/status); hwm=$(awk '/^VmHWM:/{print $2}' /proc/$pid/status)
  threads=$(awk '/^Threads:/{print $2}' /proc/$pid/status); fds=$(ls /proc/$pid/fd | wc -l)
  attempts=$(attempts_of "$port"); used=$(ticks "$pid")
  for i in 1 2 3 4; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; done   # warm the scrape path
  t0=$(date +%s%N); size=$(curl -s "http://127.0.0.1:$port/metrics" | wc -c); t1=$(date +%s%N)
  printf "%-10s %8d %8d %9.0f %9.2f %7d %5d %10d %8.1f\n" "$name" $((rss/1024)) $((hwm/1024)) "$attempts" \
    "$(echo "($used-$c0)*1000/$tck/($attempts-$a0)" | bc -l)" "$threads" "$fds" "$size" "$(echo "($t1-$t0)/1000000" | bc -l)"
}
printf "%-10s %8s %8s %9s %9s %7s %5s %10s %8s\n" flags rss_MiB hwm_MiB attempts cpu_ms/att threads fds scrape_B scrape_ms_5th
report default "$d1" "$p1" "$a1" "$c1"
report container "$d2" "$p2" "$a2" "$c2"
echo "container flags: ${flags_container[*]}" >&2
