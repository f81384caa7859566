#!/usr/bin/env bash
# CPU per TLS probe and RSS: egress-probe against prometheus-blackbox-exporter, side by side in the same run, on the
# same loopback TLS targets (HAProxy with ECDSA P-256 and RSA-2048 certificates, full handshakes), for the TLS
# handshake alone and with an HTTP GET over it, both at the same rate: egress-probe with RATE/10 targets at 100 ms
# each, blackbox_exporter's /probe called RATE times a second by a paced driver. Each tool's process CPU (utime+stime)
# is read over MEASURE seconds after WARMUP seconds.
#   [JAVA_FLAGS="..."] bench/vs-blackbox.sh [MEASURE=60] [WARMUP=20] [RATE=100]
# Needs: the jar (mvn -q -DskipTests package), haproxy, openssl, curl, python3, Debian's prometheus-blackbox-exporter.
set -euo pipefail
cd "$(dirname "$0")/.."
measure=${1:-60}
warmup=${2:-20}
rate=${3:-100}
java_flags=${JAVA_FLAGS:-@jvm.options}
command -v prometheus-blackbox-exporter >/dev/null || { echo "apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
cp target/egress-probe.jar "$work/egress-probe.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source bench/lib.sh
tck=$(getconf CLK_TCK)

self_signed "$work" ec ec
self_signed "$work" rsa rsa
ec_port=$(free_port); rsa_port=$(free_port)
haproxy_tls_config "$work/haproxy.cfg" "127.0.0.1:$ec_port=$work/ec.haproxy.pem" "127.0.0.1:$rsa_port=$work/rsa.haproxy.pem"
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)

bbx_port=$(free_port)
cat > "$work/blackbox.yml" <<YML
modules:
  tls_ec:   { prober: tcp,  timeout: 5s, tcp:  { tls: true, tls_config: { ca_file: $work/ec.pem,  server_name: localhost } } }
  tls_rsa:  { prober: tcp,  timeout: 5s, tcp:  { tls: true, tls_config: { ca_file: $work/rsa.pem, server_name: localhost } } }
  http_ec:  { prober: http, timeout: 5s, http: { valid_status_codes: [200], fail_if_not_ssl: true, tls_config: { ca_file: $work/ec.pem,  server_name: localhost } } }
  http_rsa: { prober: http, timeout: 5s, http: { valid_status_codes: [200], fail_if_not_ssl: true, tls_config: { ca_file: $work/rsa.pem, server_name: localhost } } }
YML
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bbx_port" >"$work/bbx.log" 2>&1 &
bbx=$!; pids+=($bbx)

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(prometheus-blackbox-exporter --version 2>&1 | head -1)" >&2
printf "%-6s %-13s %8s %12s %8s\n" mode tool probes cpu_ms/probe rss_MiB

for mode in tls http; do
  port=$(free_port)
  http_line=""; [ "$mode" = http ] && http_line=", http: { path: / }"
  { echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: 100ms }"; echo "targets:"
    for i in $(seq 1 $(( (rate + 19) / 20 ))); do
      echo "  - { name: ec$i, host: localhost, port: $ec_port, tls: { caFile: $work/ec.pem }$http_line }"
      echo "  - { name: rsa$i, host: localhost, port: $rsa_port, tls: { caFile: $work/rsa.pem }$http_line }"
    done; } > "$work/$mode.yaml"
  # shellcheck disable=SC2086 # JAVA_FLAGS is a list of flags
  java $java_flags -jar "$work/egress-probe.jar" run --config "$work/$mode.yaml" >"$work/$mode-daemon.log" 2>&1 &
  daemon=$!; pids+=($daemon)
  # Drive blackbox at the same rate, alternating key types; each completed probe is one line in the count file.
  : > "$work/$mode-bbx.count"
  scheme=""; [ "$mode" = http ] && scheme="https://"
  python3 bench/blackbox_driver.py "$bbx_port" "$rate" "$((warmup + measure + 5))" "$work/$mode-bbx.count" \
    "${mode}_ec=${scheme}127.0.0.1:$ec_port${scheme:+/}" "${mode}_rsa=${scheme}127.0.0.1:$rsa_port${scheme:+/}" &
  driver=$!; pids+=($driver)
  sleep "$warmup"   # warm-up (JIT, first handshakes) is not measured
  attempts() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}'; }
  a0=$(attempts); d0=$(ticks "$daemon"); b0=$(wc -l < "$work/$mode-bbx.count"); x0=$(ticks "$bbx")
  sleep "$measure"
  a1=$(attempts); d1=$(ticks "$daemon"); b1=$(wc -l < "$work/$mode-bbx.count"); x1=$(ticks "$bbx")
  printf "%-6s %-13s %8d %12.2f %8s\n" "$mode" egress-probe $((a1 - a0)) "$(echo "($d1-$d0)*1000/$tck/($a1-$a0)" | bc -l)" "$(rss_mib "$daemon")"
  printf "%-6s %-13s %8d %12.2f %8s\n" "$mode" blackbox $((b1 - b0)) "$(echo "($x1-$x0)*1000/$tck/($b1-$b0)" | bc -l)" "$(rss_mib "$bbx")"
  kill "$daemon" "$driver" 2>/dev/null || true; wait "$daemon" "$driver" 2>/dev/null || true
done
echo "egress-probe flags (JAVA_FLAGS): $java_flags; rate $rate probes/s each" >&2
