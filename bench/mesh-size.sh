#!/usr/bin/env bash
# The daemon's memory and its load on the sidecar against the size of the mesh, under the image's flags (jvm.options):
# for each mesh size a stand-in admin API (testing/GrownEnvoyAdmin in the test classes) answers as a sidecar without
# Sidecar scoping does (per service a cluster, a VIP listener, a chain by SNI on 0.0.0.0_443 and a virtual host in route
# config 80), streaming its answers; the daemon probes one TLS target on the sidecar path, re-reading the sidecar every
# REFRESH. Prints per mesh size: bytes the sidecar sent per refresh, the daemon's peak RSS, its live heap after a full
# GC, its collections (count, total and longest pause, from -Xlog:gc) and the timeout it learned. With NAME_REGEX=no the
# stand-in ignores name_regex, as an Envoy without it does; with OLD_JAR=path an earlier build runs the same way after.
#   [NAME_REGEX=yes|no] [OLD_JAR=path] bench/mesh-size.sh [SERVICES="1000 5000 20000"] [SECONDS=60] [REFRESH=5s]
# Needs: the jar and test classes (mvn -q -DskipTests package test-compile), haproxy, openssl, curl, jcmd.
# Everything listens on 127.0.0.1; the target's name resolves from a hosts file.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-1000 5000 20000}
seconds=${2:-60}
refresh=${3:-5s}
jar=target/egress-probe.jar
[ -f "$jar" ] && [ -f target/test-classes/io/egressprobe/testing/GrownEnvoyAdmin.class ] \
  || { echo "build first: mvn -q -DskipTests package test-compile" >&2; exit 1; }
source bench/lib.sh
bench_work
start_tls_target
echo "127.0.0.1 identity.bench" > "$work/hosts"
ignore=$([ "${NAME_REGEX:-yes}" = no ] && echo ignore-name-regex || echo honour)
jars=("$work/egress-probe.jar")
[ -n "${OLD_JAR:-}" ] && cp "$OLD_JAR" "$work/old.jar" && jars+=("$work/old.jar")

printf '%-8s %-5s %14s %10s %10s %16s %s\n' services jar "bytes/refresh" "peak RSS" "live heap" "GCs (total/max)" timeout
for services in $sizes; do
  for daemon_jar in "${jars[@]}"; do
    admin_port=$(free_port) port=$(free_port)
    java -Xmx64m -cp target/test-classes io.egressprobe.testing.GrownEnvoyAdmin "$services" "$admin_port" "$ignore" \
      >"$work/admin.log" 2>&1 & admin=$!; pids+=($admin)
    until curl -sf "http://127.0.0.1:$admin_port/ready" >/dev/null; do sleep 0.2; done
    cat > "$work/config.yaml" <<CFG
listen: 127.0.0.1:$port
mode: sidecar
defaults: { interval: 1s, envoyConnectTimeout: 3s }
envoy: { adminUrl: "http://127.0.0.1:$admin_port", readyUrl: "http://127.0.0.1:$admin_port/ready", refresh: $refresh }
kubernetes: { enabled: false }
targets:
  - { name: identity, host: identity.bench, port: $tls, sni: localhost, tls: { caFile: $work/cert.pem } }
CFG
    # Older builds have no envoy.answerLimit; the image's flags, then the GC log.
    java @jvm.options -Xlog:gc:file="$work/gc.log" -Djdk.net.hosts.file="$work/hosts" -jar "$daemon_jar" run \
      --config "$work/config.yaml" >"$work/daemon.log" 2>&1 & daemon=$!; pids+=($daemon)
    sleep "$seconds"
    if kill -0 "$daemon" 2>/dev/null; then
      timeout=$(curl -s "http://127.0.0.1:$port/api/v1/targets" | python3 -c 'import json,sys; t=json.load(sys.stdin)["targets"][0]["timeout"]; print(t["seconds"], t["source"])')
      heap=$(live_heap "$daemon")
      peak=$(( $(proc_status "$daemon" VmHWM) / 1024 ))
      kill "$daemon"; wait "$daemon" 2>/dev/null || true
    else
      timeout="exited: $(grep -m1 -o 'OutOfMemoryError[^"]*' "$work/daemon.log" || tail -1 "$work/daemon.log")" heap=- peak=-
    fi
    kill "$admin"; wait "$admin" 2>/dev/null || true
    bytes=$(grep -o 'bytes=[0-9]*' "$work/admin.log" | tail -1 | cut -d= -f2)
    refreshes=$(grep -o 'refreshes=[0-9]*' "$work/admin.log" | tail -1 | cut -d= -f2)
    gcs=$(awk '/Pause/{n++; gsub("ms","",$NF); t+=$NF; if ($NF>m) m=$NF} END{printf "%d (%.0f/%.0f ms)", n, t, m}' "$work/gc.log")
    printf '%-8s %-5s %14s %8s MiB %6s MiB %16s %s\n' "$services" "$(basename "$daemon_jar" .jar | sed 's/egress-probe/new/')" \
      "$(( ${bytes:-0} / ${refreshes:-1} ))" "$peak" "$heap" "$gcs" "$timeout"
    rm -f "$work/gc.log"
  done
done
