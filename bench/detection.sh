#!/usr/bin/env bash
# Detection time: from the start of 5% SYN loss to the first critical alert, for a target probed at 1/s and
# one at 5/s, next to a Prometheus rule on the exported histogram evaluated on the same data
#   histogram_quantile(0.99, rate(egress_probe_upstream_connect_seconds_bucket[5m])) / timeout > 0.8, for: 1m
# and, in a second namespace at the same time, false alarms over a run with no loss.
#   sudo bench/detection.sh [LOSS_MINUTES=12] [CLEAN_MINUTES=10]
# Needs root, ip, iptables, openssl, curl, jq, prometheus (Debian) and the jar. Loopback-only namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
loss_minutes=${1:-12}
clean_minutes=${2:-10}
jar=$PWD/target/egress-probe.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
for tool in ip iptables openssl curl jq prometheus; do command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 1; }; done
work=$(mktemp -d)
cp "$jar" "$work/egress-probe.jar"; jar=$work/egress-probe.jar   # rebuilding target/ must not touch running JVMs
declare -a pids=() namespaces=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "${namespaces[@]}"; do ip netns delete "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

source bench/lib.sh
self_signed "$work" cert ec
cat > "$work/rules.yml" <<'RULES'
groups:
  - name: bench
    interval: 5s
    rules:
      - alert: PromRuleP99NearTimeout
        expr: |
          histogram_quantile(0.99, sum by (target, le) (rate(egress_probe_upstream_connect_seconds_bucket[5m])))
            / on (target) max by (target) (egress_probe_envoy_connect_timeout_seconds) > 0.8
        for: 1m
RULES
cat > "$work/prometheus.yml" <<PROM
global: { scrape_interval: 5s, evaluation_interval: 5s }
rule_files: [ "$work/rules.yml" ]
scrape_configs: [ { job_name: egress-probe, static_configs: [ { targets: [ "127.0.0.1:9478" ] } ] } ]
PROM

setup() { # namespace
  local ns=$1
  ip netns add "$ns"; namespaces+=("$ns"); ip netns exec "$ns" ip link set lo up
  for port in 8443 8444; do
    ip netns exec "$ns" openssl s_server -quiet -www -accept 127.0.0.1:$port -cert "$work/cert.pem" -key "$work/cert.key" \
      >/dev/null 2>&1 & pids+=($!)
  done
  cat > "$work/$ns.yaml" <<CFG
listen: 127.0.0.1:9478
mode: direct
defaults: { envoyConnectTimeout: 1s }
targets:
  - { name: rate-1s, host: localhost, port: 8443, interval: 1s, tls: { caFile: $work/cert.pem } }
  - { name: rate-5s, host: localhost, port: 8444, interval: 200ms, tls: { caFile: $work/cert.pem } }
CFG
  ip netns exec "$ns" java -XX:+UseSerialGC -Xmx64m -jar "$jar" run --config "$work/$ns.yaml" > "$work/$ns-daemon.log" 2>&1 &
  pids+=($!)
  mkdir -p "$work/$ns-prom"
  ip netns exec "$ns" prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/$ns-prom" \
    --web.listen-address=127.0.0.1:9090 > "$work/$ns-prometheus.log" 2>&1 &
  pids+=($!)
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
first_daemon() { # ns target alertname level -> seconds since epoch of the first transition to level, or empty
  in_ns "$1" curl -sf http://127.0.0.1:9478/api/v1/alerts | jq -r --arg t "$2" --arg a "$3" --arg l "$4" \
    '[.recent[] | select(.target==$t and .alertname==$a and .to==$l) | .at] | sort | first // empty'
}
prom_firing() { # ns target -> "yes" if the rule fires for the target
  in_ns "$1" curl -sf http://127.0.0.1:9090/api/v1/alerts | jq -r --arg t "$2" \
    '[.data.alerts[] | select(.labels.target==$t and .state=="firing")] | if length > 0 then "yes" else empty end'
}

setup ep-bench-loss
setup ep-bench-clean
echo "# $(date -u +%FT%TZ) $(uname -r), tcp_syn_linear_timeouts=$(cat /proc/sys/net/ipv4/tcp_syn_linear_timeouts 2>/dev/null || echo n/a), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
sleep 90   # warm-up: both windows hold clean samples before the loss starts (part of the measured scenario)
t0=$(date +%s)
in_ns ep-bench-loss iptables -A INPUT -p tcp --syn -m multiport --dports 8443,8444 -m statistic --mode random --probability 0.05 -j DROP
declare -A prom_at=()
deadline=$((t0 + loss_minutes * 60))
while [ "$(date +%s)" -lt "$deadline" ]; do
  for t in rate-1s rate-5s; do
    if [ -z "${prom_at[$t]:-}" ] && [ -n "$(prom_firing ep-bench-loss $t || true)" ]; then prom_at[$t]=$(date +%s); fi
  done
  [ -n "${prom_at[rate-1s]:-}" ] && [ -n "${prom_at[rate-5s]:-}" ] && break
  sleep 1
done
secs_since_t0() { [ -n "$1" ] && echo $(( $(date -d "$1" +%s) - t0 )) || echo "not within ${loss_minutes}m"; }
printf "%-8s %-10s %-26s %-34s %-24s\n" target probes EgressConnectTimeouts_s EgressConnectLatencyNearTimeout_crit_s prometheus_rule_s
for t in rate-1s rate-5s; do
  to=$(first_daemon ep-bench-loss $t EgressConnectTimeouts critical || true)
  lat=$(first_daemon ep-bench-loss $t EgressConnectLatencyNearTimeout critical || true)
  prom=${prom_at[$t]:-}
  printf "%-8s %-10s %-26s %-34s %-24s\n" "$t" "$([ $t = rate-1s ] && echo 1/s || echo 5/s)" "$(secs_since_t0 "$to")" \
    "$(secs_since_t0 "$lat")" "$([ -n "$prom" ] && echo $((prom - t0)) || echo "not within ${loss_minutes}m")"
done
# The clean namespace has run since setup; let it complete its run.
clean_end=$((t0 - 90 + clean_minutes * 60))
while [ "$(date +%s)" -lt "$clean_end" ]; do sleep 5; done
transitions=$(in_ns ep-bench-clean curl -sf http://127.0.0.1:9478/api/v1/alerts | jq '.recent | length')
prom_alerts=$(in_ns ep-bench-clean curl -sf 'http://127.0.0.1:9090/api/v1/query?query=count(ALERTS)' | jq -r '.data.result[0].value[1] // "0"')
attempts=$(in_ns ep-bench-clean curl -sf http://127.0.0.1:9478/metrics | awk '/^egress_probe_attempts_total/{s+=$2} END{print s}')
echo "clean run: ${clean_minutes} min, $attempts attempts: daemon alert transitions $transitions, Prometheus alerts $prom_alerts"
