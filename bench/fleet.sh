#!/usr/bin/env bash
# A fleet on one machine: NODES daemon processes as NODES nodes' pods (distinct NODE_NAME), each probing TARGETS
# targets through an HAProxy "sidecar" in front of an HAProxy TLS server, scraped by a real Prometheus with the
# PodMonitor's labels (node, instance = node) and the shipped rules. Three phases: all healthy; one node slow (its
# sidecar holds each ClientHello SLOW_MS before connecting upstream, as a slow upstream connect looks on the sidecar
# path); every node slow. After each phase it prints which alerts are pending or firing (node and fleet), then the
# series per node and per target, /metrics bytes per node, rule evaluation time and Prometheus' memory, and the
# same extrapolated to 500 nodes x 20 targets.
# Every node probes every target every 5 s (80 attempts a second for 20 x 20): 20 JVMs share 2 cores here, and at
# 2 s the whole fleet was starved (its latency alerts fired while healthy, and EgressProbeStarved said why). The first
# phase must outlast the 3m window, so that the JIT's warm-up has left it.
# The last phase must outlast a target's re-judgement after its config changed (minSamples at 5 s: ~2 min) and the
# fleet alerts' for: 5m.
#   bench/fleet.sh [NODES=20] [TARGETS=20] [PHASE_SECONDS="240 240 540"] [SLOW_MS=900]
# Needs: the jar (mvn -q -DskipTests package), haproxy, prometheus, openssl, curl, jq, python3. All on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-20}
targets=${2:-20}
read -r -a phases <<< "${3:-240 240 540}"
slow_ms=${4:-900}
flags=(-XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1 -Xss512k)
[ -f target/egress-probe.jar ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
for tool in haproxy prometheus jq curl; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source bench/lib.sh

self_signed "$work" cert ec
tls=$(free_port); fast=$(free_port); slow=$(free_port); ready=$(free_port); prom=$(free_port)
cat > "$work/haproxy.cfg" <<CFG
global
  maxconn 4000
  tune.ssl.cachesize 0
defaults
  timeout connect 5s
  timeout client 20s
  timeout server 20s
frontend tls
  mode http
  bind 127.0.0.1:$tls ssl crt $work/cert.haproxy.pem no-tls-tickets
  http-request return status 200
frontend fast
  mode tcp
  bind 127.0.0.1:$fast
  default_backend tls
frontend slow
  mode tcp
  bind 127.0.0.1:$slow
  tcp-request inspect-delay ${slow_ms}ms
  tcp-request content accept if WAIT_END
  default_backend tls
frontend ready
  mode http
  bind 127.0.0.1:$ready
  http-request return status 200
backend tls
  mode tcp
  server t 127.0.0.1:$tls
CFG
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 & pids+=($!)

# node_config NODE SIDECAR_PORT: the node's config, its targets all through that sidecar port.
node_config() {
  {
    cat <<YAML
listen: 127.0.0.1:${ports[$1]}
mode: sidecar
defaults: { interval: 5s, probeTimeout: 3s, envoyConnectTimeout: 1s, window: 3m, minSamples: 20, for: 15s }
envoy: { adminUrl: "http://127.0.0.1:$ready", readyUrl: "http://127.0.0.1:$ready/ready", refresh: 60s }
kubernetes: { enabled: false }
targets:
YAML
    for t in $(seq 0 $((targets - 1))); do
      echo "  - { name: t$t, host: localhost, port: $2, tls: { caFile: $work/cert.pem } }"
    done
  } > "$work/node-$1.yaml.new"
  mv "$work/node-$1.yaml.new" "$work/node-$1.yaml"
}

ports=()
scrape=""
for n in $(seq 0 $((nodes - 1))); do
  ports[$n]=$(free_port)
  node_config "$n" "$fast"
  NODE_NAME=node-$n java "${flags[@]}" -jar target/egress-probe.jar run --config "$work/node-$n.yaml" \
    >"$work/node-$n.log" 2>&1 & pids+=($!)
  scrape+="      - { targets: [\"127.0.0.1:${ports[$n]}\"], labels: { namespace: egress-probe, node: node-$n, instance: node-$n } }"$'\n'
done
cat > "$work/prometheus.yml" <<YAML
global: { scrape_interval: 5s, evaluation_interval: 5s }
rule_files: [ "$PWD/k8s/monitoring/egress-probe.rules.yml" ]
scrape_configs:
  - job_name: egress-probe
    metric_relabel_configs:
      - { action: labeldrop, regex: exported_node }
    static_configs:
$scrape
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:$prom"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" --web.listen-address=127.0.0.1:$prom \
  >"$work/prometheus.log" 2>&1 & pids+=($!)

q() { curl -s --get "http://127.0.0.1:$prom/api/v1/query" --data-urlencode "query=$1" | jq -r "$2"; }
alerts() {
  curl -s "http://127.0.0.1:$prom/api/v1/alerts" | jq -r '.data.alerts | group_by(.labels.alertname + " " + .labels.severity + " " + .state)
    | map("  " + .[0].labels.alertname + " " + .[0].labels.severity + " " + .[0].state + ": " + (length|tostring) + " alert(s)"
          + (if .[0].labels.node then " on " + (map(.labels.node) | unique | length | tostring) + " node(s), e.g. "
             + .[0].labels.node else "" end)) | .[]'
}

echo "fleet: $nodes nodes x $targets targets, sidecar path, interval 5s; phases ${phases[*]} s; slow = ${slow_ms} ms before the upstream connect"
names=("all healthy" "node-0 slow" "every node slow")
for phase in 0 1 2; do
  case $phase in
    1) node_config 0 "$slow" ;;
    2) for n in $(seq 1 $((nodes - 1))); do node_config "$n" "$slow"; done ;;
  esac
  sleep "${phases[$phase]}"
  echo "phase $phase (${names[$phase]}), after ${phases[$phase]} s:"
  out=$(alerts); echo "${out:-  no alerts}"
done

per_node=$(q 'count by (node) ({job="egress-probe"})' '[.data.result[].value[1]|tonumber] | add / length | floor')
per_target=$(q 'count({job="egress-probe", target="t0", node="node-1"})' '.data.result[0].value[1]')
pod=$(q 'count({job="egress-probe", node="node-1", target=""})' '.data.result[0].value[1]')
bytes=$(curl -s "http://127.0.0.1:${ports[1]}/metrics" | wc -c)
gz=$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:${ports[1]}/metrics" | wc -c)
rules_ms=$(q 'sum(prometheus_rule_group_last_duration_seconds) * 1000' '.data.result[0].value[1]')
rules_series=$(q 'count({__name__=~".*:.*"})' '.data.result[0].value[1]')
head_series=$(q 'prometheus_tsdb_head_series' '.data.result[0].value[1]')
rss=$(q 'process_resident_memory_bytes{job="prometheus"} / 1048576' '.data.result[0].value[1]')
printf 'series per node %s (per target %s, for the pod itself %s); /metrics per node %s bytes, %s gzipped\n' \
  "$per_node" "$per_target" "$pod" "$bytes" "$gz"
printf 'Prometheus: %s head series, %s recorded series, rule groups %.1f ms per evaluation, %.0f MiB resident\n' \
  "$head_series" "$rules_series" "$rules_ms" "$rss"
echo "slowest rules (ms per evaluation):"
curl -s "http://127.0.0.1:$prom/api/v1/rules" | jq -r '[.data.groups[].rules[] | {n: (.name // .alert), t: .evaluationTime}]
  | sort_by(-.t) | .[:6][] | "  \(.t * 1000 | floor) \(.n)"'
python3 - "$per_target" "$pod" "$rules_ms" "$nodes" "$targets" <<'PY'
import sys
per_target, pod, rules_ms, nodes, targets = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
series = 500 * (20 * per_target + pod)
print(f"500 nodes x 20 targets: {series:,.0f} series; rule evaluation about {rules_ms * 500 * 20 / (nodes * targets):.0f} ms "
      f"(linear in series); at ~4 KiB per active series, about {series * 4 / 1024 / 1024:.1f} GiB of Prometheus memory")
PY
