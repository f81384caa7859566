#!/usr/bin/env bash
# How close the measured connect phase is to the truth, in a loopback-only network namespace made for the run:
#  1. Per attempt, egress-probe's `connect` phase against the SYN -> SYN-ACK time tcpdump saw for the same connection
#     (paired in order: one target, one attempt at a time), with the daemon otherwise idle and with LOAD more targets
#     at 1/s each; curl's `%{time_connect}` against tcpdump in the same way, as a reference for a C client.
#  2. Under SYN loss (iptables statistic drop of SYNs, probability 0.01 and 0.05): the share of attempts at >= 1s
#     against the drop probability, and where the slow connects land (the kernel's SYN retransmission times); then
#     `check` with LOSS_ATTEMPTS/3 connects one after another: the SYNs it says the kernel sent again (TCP_INFO)
#     against the SYNs tcpdump saw more than once per connection.
#   [JAR=target/egress-probe.jar] sudo bench/accuracy.sh [ATTEMPTS=400] [LOAD=1000] [LOSS_ATTEMPTS=3000]
# ATTEMPTS=0 runs the SYN loss part alone.
# JAR picks another build, to compare before and after a change in the same way.
# Needs: root, the jar (mvn -q -DskipTests package), ip, iptables, tcpdump, haproxy, openssl, curl, jq, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
attempts=${1:-400}
load=${2:-1000}
loss_attempts=${3:-3000}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace, iptables, tcpdump)" >&2; exit 1; }
for tool in ip iptables tcpdump haproxy openssl curl jq python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install $tool)" >&2; exit 1; }
done
jar=${JAR:-target/egress-probe.jar}
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
chmod 755 "$work"
cp "$jar" "$work/egress-probe.jar"
ns="egress-probe-accuracy-$$"
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }   # foreground only: in the background, $! would be the function's subshell
in_ns ip link set lo up
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done   # anything left inside
  wait 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT
flags=(@jvm.options -Xmx160m)   # the image's flags, with a heap for LOAD targets every second

source bench/lib.sh
self_signed "$work" cert ec
# Port 8443: the measured target; 8444: the load; 8445: curl.
haproxy_tls_config "$work/haproxy.cfg" "127.0.0.1:8443=$work/cert.haproxy.pem" "127.0.0.1:8444=$work/cert.haproxy.pem" \
  "127.0.0.1:8445=$work/cert.haproxy.pem"
ip netns exec "$ns" haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "net.ipv4.tcp_syn_linear_timeouts=$(sysctl -n net.ipv4.tcp_syn_linear_timeouts 2>/dev/null || echo n/a)," \
  "tcp_syn_retries=$(sysctl -n net.ipv4.tcp_syn_retries); flags: ${flags[*]}" >&2

daemon_port=9478
# Starts the daemon in the namespace with CONFIG and waits for it to answer.
start_daemon() {
  ip netns exec "$ns" java "${flags[@]}" -jar "$work/egress-probe.jar" run --config "$1" >"$work/daemon.log" 2>&1 & pids+=($!)
  daemon=$!
  for _ in $(seq 1 100); do in_ns curl -sf "http://127.0.0.1:$daemon_port/readyz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "daemon did not start: $(tail -5 "$work/daemon.log")" >&2; exit 1
}
stop_daemon() { kill "$daemon"; wait "$daemon" 2>/dev/null || true; }
samples() { # the window's samples of TARGET as "seconds censored recorded-at-epoch-seconds" lines
  in_ns curl -s "http://127.0.0.1:$daemon_port/api/v1/targets?samples=true" |
    jq -r --arg t "$1" '.targets[] | select(.name == $t) | .samples[] | "\(.[1]) \(.[2]) \(.[0])"'
}
# Waits (bounded) until the tcpdump logging to LOG has started capturing: it says "listening on" then.
capturing() {
  for _ in $(seq 1 100); do grep -q "listening on" "$1" 2>/dev/null && return; sleep 0.1; done
  echo "tcpdump did not start: $(cat "$1")" >&2; exit 1
}
# SYN -> SYN-ACK seconds per connection to PORT in a capture, in order of the SYNs: from a connection's first SYN (a
# retransmitted one counts from the first) to its SYN-ACK. The kernel reuses a source port as soon as the server has
# closed first, so a port names one open handshake at a time, not one connection for the whole run.
handshakes() {
  tcpdump -r "$1" -tt -nn "tcp port $2" 2>/dev/null | python3 -c '
import sys, re
pending = {}; out = []
for line in sys.stdin:
    m = re.match(r"(\d+\.\d+) IP (\S+) > (\S+): Flags \[(\S+)\]", line)
    if not m: continue
    t, src, dst, flags = float(m.group(1)), m.group(2), m.group(3), m.group(4)
    if flags == "S" and src not in pending: pending[src] = len(out); out.append([t, None])
    elif flags == "S." and dst in pending: out[pending.pop(dst)][1] = t
for first_syn, syn_ack in out:
    if syn_ack is not None: print(syn_ack - first_syn, first_syn)
'
}
# Prints median and p99 of |a - b| in ms over the pairs of two files, skipping the first SKIP pairs, and the medians
# of each. Pairs are taken in order where both files have the same connections; where measured lines carry the time
# they were recorded (a window's samples), each is paired with the last handshake that began before its connect
# could have: under load some attempts fail and leave no sample, and order alone would pair the wrong connections.
compare() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, bisect
rows = lambda f: [[float(x) for x in l.split()] for l in open(f) if l.strip()]
measured, wire = rows(sys.argv[1]), rows(sys.argv[2])
skip = int(sys.argv[3])
if measured and len(measured[0]) >= 3:
    starts = [w[1] for w in wire]
    matched = []
    for value, _, recorded in measured:
        i = bisect.bisect_right(starts, recorded - value) - 1
        if i >= 0: matched.append((value, i))
    # A handshake matched twice means a sample without its own capture: not a pair.
    uses = {}
    for _, i in matched: uses[i] = uses.get(i, 0) + 1
    pairs = [(v, wire[i][0]) for v, i in matched if uses[i] == 1]
else:
    if abs(len(measured) - len(wire)) > 2:
        print("(%d measured, %d captured: not paired)" % (len(measured), len(wire))); sys.exit()
    pairs = [(m[0], w[0]) for m, w in zip(measured, wire)]
a, b = [p[0] for p in pairs[skip:]], [p[1] for p in pairs[skip:]]
d = sorted(abs(x - y) * 1000 for x, y in zip(a, b))
q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))]
print("%5d %9.3f %9.3f %10.3f %10.3f" % (len(d), q(d, 0.5), q(d, 0.99), q(sorted(a), 0.5) * 1000, q(sorted(b), 0.5) * 1000))
PY
}

if [ "$attempts" -gt 0 ]; then   # ATTEMPTS=0: only the SYN loss part
  printf "%-22s %5s %9s %9s %10s %10s\n" "connect vs tcpdump" n "|d|_p50ms" "|d|_p99ms" "tool_p50ms" "wire_p50ms"
  for case in idle loaded; do
    { echo "listen: 127.0.0.1:$daemon_port"; echo "mode: direct"; echo "targets:"
      echo "  - { name: measured, host: 127.0.0.1, port: 8443, sni: localhost, interval: 100ms, tls: { caFile: $work/cert.pem } }"
      if [ "$case" = loaded ]; then
        for i in $(seq 1 "$load"); do echo "  - { name: load$i, host: 127.0.0.1, port: 8444, sni: localhost, interval: 1s, tls: { caFile: $work/cert.pem } }"; done
      fi; } > "$work/$case.yaml"
    ip netns exec "$ns" tcpdump -i lo -B 65536 --immediate-mode -w "$work/$case.pcap" -nn -U --time-stamp-precision=nano \
      "tcp port 8443 and tcp[tcpflags] & tcp-syn != 0" >"$work/$case.tcpdump.log" 2>&1 & tcpd=$!; pids+=($tcpd)
    capturing "$work/$case.tcpdump.log"
    start_daemon "$work/$case.yaml"
    # The window holds every attempt, oldest first; the capture started before the first one. Pairs are taken in order,
    # so the attempt in flight when the window is read (captured, not yet a sample) falls off the end. The first half
    # is the JIT's warm-up and is left out of the comparison.
    for _ in $(seq 1 600); do
      [ "$(samples measured | wc -l)" -ge $((2 * attempts)) ] && break; sleep 1
    done
    samples measured > "$work/$case.probe"
    stop_daemon; kill "$tcpd"; wait "$tcpd" 2>/dev/null || true
    handshakes "$work/$case.pcap" 8443 > "$work/$case.wire"
    label="egress-probe, $case"; [ "$case" = loaded ] && label="egress-probe, +$load"
    printf "%-22s " "$label"; compare "$work/$case.probe" "$work/$case.wire" "$attempts"
    grep -h "dropped by kernel" "$work/$case.tcpdump.log" | sed 's/^/    tcpdump: /' >&2 || true
  done

  # curl, one connection per run, against its own port of the same server.
  ip netns exec "$ns" tcpdump -i lo -B 65536 --immediate-mode -w "$work/curl.pcap" -nn -U --time-stamp-precision=nano \
    "tcp port 8445 and tcp[tcpflags] & tcp-syn != 0" >"$work/curl.tcpdump.log" 2>&1 & tcpd=$!; pids+=($tcpd)
  capturing "$work/curl.tcpdump.log"
  for _ in $(seq 1 "$attempts"); do
    in_ns curl -s -o /dev/null --cacert "$work/cert.pem" --resolve localhost:8445:127.0.0.1 -w '%{time_connect}\n' https://localhost:8445/
  done > "$work/curl.tool"
  sleep 0.5; kill "$tcpd"; wait "$tcpd" 2>/dev/null || true
  handshakes "$work/curl.pcap" 8445 > "$work/curl.wire"
  printf "%-22s " "curl (reference)"; compare "$work/curl.tool" "$work/curl.wire" 0
fi

# SYN loss: SYNs to the measured port dropped at random; 20 targets at 100 ms share the attempts so that lost SYNs
# (each a second or more) do not stretch the run.
echo
printf "%-6s %8s %9s %14s  %s\n" drop attempts "share>=1s" "95% interval" "slow connects by second (count)"
for p in 0.01 0.05; do
  in_ns iptables -A INPUT -p tcp --syn --dport 8443 -m statistic --mode random --probability "$p" -j DROP
  { echo "listen: 127.0.0.1:$daemon_port"; echo "mode: direct"
    echo "defaults: { interval: 100ms, probeTimeout: 20s, window: 30m }"; echo "targets:"
    for i in $(seq 1 20); do echo "  - { name: lossy$i, host: 127.0.0.1, port: 8443, sni: localhost, tls: { caFile: $work/cert.pem } }"; done
  } > "$work/loss.yaml"
  start_daemon "$work/loss.yaml"
  per_target=$(( (loss_attempts + 19) / 20 ))
  for _ in $(seq 1 1200); do
    [ "$(samples lossy20 | wc -l)" -ge "$per_target" ] && break; sleep 1
  done
  : > "$work/loss.probe"
  for i in $(seq 1 20); do
    samples "lossy$i" > "$work/lossy.samples"   # not piped into head: jq's SIGPIPE would end the script (pipefail)
    head -n "$per_target" "$work/lossy.samples" >> "$work/loss.probe"
  done
  stop_daemon
  in_ns iptables -F INPUT
  python3 - "$p" "$work/loss.probe" <<'PY'
import sys, math, collections
p = float(sys.argv[1])
v = [float(l.split()[0]) for l in open(sys.argv[2]) if l.strip()]
n = len(v); slow = [x for x in v if x >= 1.0]
share = len(slow) / n
z = 1.96; centre = (share + z*z/(2*n)) / (1 + z*z/n); half = z*math.sqrt(share*(1-share)/n + z*z/(4*n*n)) / (1 + z*z/n)
modes = collections.Counter(math.floor(x) for x in slow)
where = ", ".join("%ds: %d (%.3f-%.3f)" % (s, c, min(x for x in slow if math.floor(x) == s), max(x for x in slow if math.floor(x) == s))
                  for s, c in sorted(modes.items()))
print("%-6s %8d %9.4f %6.4f-%6.4f  %s" % (p, n, share, centre - half, centre + half, where or "-"))
PY
done
# The kernel's count of SYNs sent again against tcpdump's, for connects one after another (check), at both rates.
echo
printf "%-6s %8s %14s %14s %12s\n" drop connects "kernel_resent" "tcpdump_resent" "source"
for p in 0.01 0.05; do
  in_ns iptables -A INPUT -p tcp --syn --dport 8443 -m statistic --mode random --probability "$p" -j DROP
  ip netns exec "$ns" tcpdump -i lo -B 65536 --immediate-mode -w "$work/count.pcap" -nn -U \
    "tcp port 8443 and tcp[tcpflags] & tcp-syn != 0" >"$work/count.tcpdump.log" 2>&1 & tcpd=$!; pids+=($tcpd)
  capturing "$work/count.tcpdump.log"
  in_ns java "${flags[@]}" -jar "$work/egress-probe.jar" check 127.0.0.1:8443 --count $((loss_attempts / 3)) \
    --interval 10ms --envoy-timeout 10s --probe-timeout 20s --insecure --output json > "$work/count.json" || true
  sleep 0.5; kill "$tcpd"; wait "$tcpd" 2>/dev/null || true
  in_ns iptables -F INPUT
  # A SYN from a port whose SYN is still unanswered is the same connection's, sent again; after the SYN-ACK the kernel
  # may give the port to the next connection.
  wire=$(tcpdump -r "$work/count.pcap" -nn 2>/dev/null | awk '$7 == "[S],"  { if ($3 in open) resent++; else open[$3] = 1 }
                                                           $7 == "[S.]," { d = $5; sub(/:$/, "", d); delete open[d] }
                                                           END { print resent + 0 }')
  printf "%-6s %8s %14s %14s %12s\n" "$p" "$(jq .synLosses.outOf "$work/count.json")" \
    "$(jq .synLosses.retransmittedSyns "$work/count.json")" "$wire" "$(jq -r .synLosses.source "$work/count.json")"
done
echo "|d|: per connection, |measured - tcpdump's SYN->SYN-ACK|; tool/wire p50: the medians of each. Slow connects" \
  "are grouped by whole second: a lost SYN adds the retransmission time (ranges in seconds)." >&2
