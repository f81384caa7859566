#!/usr/bin/env bash
# What the probe asks of DNS, counted by the DNS server: dnsmasq in a loopback-only network namespace answers every
# target's name with an A and an AAAA record (TTL seconds) and logs each query; the namespace's loopback holds a
# unique-local IPv6 address, as a dual-stack pod does. Half the targets ask for IPv6 (ipFamily: v6), half take the
# default (auto). Nothing listens on the targets' port: each attempt resolves, is refused, and is counted as a failure,
# which changes nothing for DNS. Prints the queries per target per minute and what they make per node and per fleet.
#   [JAR=target/egress-probe.jar] bench/dns.sh [TARGETS=20] [INTERVAL=1s] [TTL=30] [WARMUP=15] [MEASURE=120]
# Needs root, ip, dnsmasq, java. JAR runs another build the same way (before and after).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TARGETS=${1:-20}; INTERVAL=${2:-1s}; TTL=${3:-30}; WARMUP=${4:-15}; MEASURE=${5:-120}
JAR=${JAR:-target/egress-probe.jar}
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root (a network namespace)" >&2; exit 0; }
command -v dnsmasq >/dev/null || { echo "SKIPPED: dnsmasq is missing (apt-get install dnsmasq-base)" >&2; exit 0; }

work=$(mktemp -d); pids=(); ns="ep-dns-$$"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true; rm -rf "/etc/netns/$ns" "$work"
}
trap cleanup EXIT
cp "$JAR" "$work/egress-probe.jar"
ip netns add "$ns"; ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip -6 addr add fd42:e9b0:7a11::1/128 dev lo
mkdir -p "/etc/netns/$ns"; echo "nameserver 127.0.0.1" > "/etc/netns/$ns/resolv.conf"

: > "$work/records"
{ echo "listen: 127.0.0.1:9479"; echo "mode: direct"
  echo "defaults: { interval: $INTERVAL, probeTimeout: 2s, envoyConnectTimeout: 1s }"; echo "targets:"; } > "$work/config.yaml"
for i in $(seq 1 "$TARGETS"); do
  printf '127.0.0.1 t%d.bench.test\n::1 t%d.bench.test\n' "$i" "$i" >> "$work/records"
  family=$([ $((i % 2)) = 0 ] && echo v6 || echo auto)
  echo "  - { name: t$i, host: t$i.bench.test, port: 9, ipFamily: $family }" >> "$work/config.yaml"
done
ip netns exec "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$work/records" \
  --listen-address=127.0.0.1 --bind-interfaces --pid-file= --user=root --local-ttl="$TTL" --log-queries \
  --log-facility=- > "$work/dnsmasq.log" 2>&1 &
pids+=($!)
until grep -q "read $work/records" "$work/dnsmasq.log"; do sleep 0.2; done
ip netns exec "$ns" java @jvm.options -jar "$work/egress-probe.jar" run --config "$work/config.yaml" > "$work/daemon.log" 2>&1 &
pids+=($!)
sleep "$WARMUP"
queries() { grep -c "query\[$1\] t[0-9]*\.bench\.test" "$work/dnsmasq.log" || true; }
a0=$(queries A); q0=$(queries AAAA)
attempts() { ip netns exec "$ns" curl -sf http://127.0.0.1:9479/metrics | awk '/^egress_probe_attempts_total/{s+=$2} END{printf "%d", s}'; }
n0=$(attempts)
sleep "$MEASURE"
a1=$(queries A); q1=$(queries AAAA); n1=$(attempts)

minutes=$(echo "$MEASURE / 60" | bc -l)
echo "$(date -u +%FT%TZ) $(uname -r) load $(cut -d' ' -f1-3 /proc/loadavg); jar $JAR"
echo "targets $TARGETS every $INTERVAL (half auto, half v6), answers' TTL ${TTL}s, measured ${MEASURE}s after ${WARMUP}s"
printf '%-34s %10s\n' "attempts" "$((n1 - n0))"
printf '%-34s %10s\n' "A queries" "$((a1 - a0))"
printf '%-34s %10s\n' "AAAA queries" "$((q1 - q0))"
per_target=$(echo "($a1 - $a0 + $q1 - $q0) / $TARGETS / $minutes" | bc -l)
printf '%-34s %10.2f\n' "queries per target per minute" "$per_target"
printf '%-34s %10.1f\n' "per node, 100 targets (per minute)" "$(echo "$per_target * 100" | bc -l)"
printf '%-34s %10.1f\n' "per fleet, 500 nodes (per second)" "$(echo "$per_target * 100 * 500 / 60" | bc -l)"
