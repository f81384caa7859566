#!/usr/bin/env bash
# CPU per TLS probe and RSS: egress-probe against prometheus-blackbox-exporter, side by side in the same run, on the
# same loopback TLS targets (ECDSA P-256 and RSA-2048, full handshakes), for the TLS handshake alone and with an HTTP
# GET over it. Each tool's process CPU (utime+stime) is read over MEASURE seconds after WARMUP seconds.
#   bench/vs-blackbox.sh [MEASURE=60] [WARMUP=20]
# Needs: the jar (mvn -q -DskipTests package), openssl, curl, python3, Debian's prometheus-blackbox-exporter.
set -euo pipefail
cd "$(dirname "$0")/.."
measure=${1:-60}
warmup=${2:-20}
command -v prometheus-blackbox-exporter >/dev/null || { echo "apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
cp target/egress-probe.jar "$work/egress-probe.jar"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/{printf "%.0f", $2/1024}' "/proc/$1/status"; }
tck=$(getconf CLK_TCK)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/ec.key" -out "$work/ec.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/rsa.key" -out "$work/rsa.pem" 2>/dev/null
ec_port=$(free_port); rsa_port=$(free_port)
openssl s_server -quiet -www -accept "127.0.0.1:$ec_port" -cert "$work/ec.pem" -key "$work/ec.key" >/dev/null 2>&1 & pids+=($!)
openssl s_server -quiet -www -accept "127.0.0.1:$rsa_port" -cert "$work/rsa.pem" -key "$work/rsa.key" >/dev/null 2>&1 & pids+=($!)

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
  cat > "$work/$mode.yaml" <<CFG
listen: 127.0.0.1:$port
mode: direct
defaults: { interval: 100ms }
targets:
  - { name: ec, host: localhost, port: $ec_port, tls: { caFile: $work/ec.pem }$http_line }
  - { name: rsa, host: localhost, port: $rsa_port, tls: { caFile: $work/rsa.pem }$http_line }
CFG
  java -XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1 -jar "$work/egress-probe.jar" run --config "$work/$mode.yaml" \
    >"$work/$mode-daemon.log" 2>&1 &
  daemon=$!; pids+=($daemon)
  # Drive blackbox back to back, alternating key types, for the whole phase.
  (
    end=$((SECONDS + warmup + measure + 5))
    while [ $SECONDS -lt $end ]; do
      for key in ec rsa; do
        tgt=$([ $key = ec ] && echo "127.0.0.1:$ec_port" || echo "127.0.0.1:$rsa_port")
        [ "$mode" = http ] && tgt="https://$tgt/"
        curl -s -o /dev/null -G --data-urlencode "module=${mode}_$key" --data-urlencode "target=$tgt" \
          "http://127.0.0.1:$bbx_port/probe" && echo x >> "$work/$mode-bbx.count"
      done
    done
  ) & driver=$!; pids+=($driver)
  sleep "$warmup"   # warm-up (JIT, first handshakes) is not measured
  attempts() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}'; }
  a0=$(attempts); d0=$(ticks "$daemon"); b0=$(wc -l < "$work/$mode-bbx.count"); x0=$(ticks "$bbx")
  sleep "$measure"
  a1=$(attempts); d1=$(ticks "$daemon"); b1=$(wc -l < "$work/$mode-bbx.count"); x1=$(ticks "$bbx")
  printf "%-6s %-13s %8d %12.2f %8s\n" "$mode" egress-probe $((a1 - a0)) "$(echo "($d1-$d0)*1000/$tck/($a1-$a0)" | bc -l)" "$(rss_mib "$daemon")"
  printf "%-6s %-13s %8d %12.2f %8s\n" "$mode" blackbox $((b1 - b0)) "$(echo "($x1-$x0)*1000/$tck/($b1-$b0)" | bc -l)" "$(rss_mib "$bbx")"
  kill "$daemon" "$driver" 2>/dev/null || true; wait "$daemon" "$driver" 2>/dev/null || true
done
