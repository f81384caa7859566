#!/usr/bin/env bash
# What one pod costs its node, side by side in one run: egress-probe in the production configuration (sidecar path
# with an Envoy admin stand-in, Kubernetes on against the fabric8 mock API server with a DestinationRule and a
# ServiceEntry per target, the mesh ConfigMap, its Pod and Node, Events on), egress-probe in the lab configuration
# (direct path, Kubernetes off), and prometheus-blackbox-exporter probing the same targets at the same rate. Both
# egress-probes run with the image's JVM flags (jvm.options) and MALLOC_ARENA_MAX=2 (bench/lib.sh), as the image does.
# Prints, after WARMUP + MEASURE seconds: RSS, peak RSS, threads and CPU per TLS probe of each, the live heap after a
# full GC, and where the resident memory is (files mapped: libjvm, the JDK's class archive, the BoringSSL library;
# the heap, metaspace and code cache as the JVM reports them without Native Memory Tracking, which would itself cost
# 2-4 MiB of RSS: bench/flags.sh has it); then the production configuration's threads as the JVM would size itself on
# a 32-core node.
#   [JVM_FLAGS="-Xmx96m"] bench/footprint.sh [TARGETS=100] [INTERVAL=1s] [WARMUP=60] [MEASURE=120]
# JVM_FLAGS come after the image's, so that they win (a larger heap for more targets, say).
# Needs: the jar and test classes (mvn -q -DskipTests package), haproxy, openssl, curl, python3, jcmd,
# Debian's prometheus-blackbox-exporter. Everything listens on 127.0.0.1; names resolve from a hosts file.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-100}
interval=${2:-1s}
warmup=${3:-60}
measure=${4:-120}
jar=target/egress-probe.jar
[ -f "$jar" ] && [ -d target/test-classes ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
command -v prometheus-blackbox-exporter >/dev/null || { echo "apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
source bench/lib.sh
bench_work
tck=$(getconf CLK_TCK)
interval_ms=$(python3 -c "import re,sys; v,u=re.fullmatch(r'([0-9.]+)(ms|s|m)','$interval').groups(); print(int(float(v)*{'ms':1,'s':1000,'m':60000}[u]))")
rate=$(python3 -c "print($targets * 1000 / $interval_ms)")

# Targets: one HAProxy TLS server (ECDSA P-256, full handshakes), named t1..tN.bench.test.
start_tls_target
hosts=(); for i in $(seq 1 "$targets"); do hosts+=("t$i.bench.test"); done
echo "127.0.0.1 ${hosts[*]}" > "$work/hosts"

# The stand-ins: Envoy's admin API, and the Kubernetes API server (fabric8's mock, from the test classpath).
admin=$(free_port); api=$(free_port)
python3 bench/envoy_admin_standin.py "$admin" "$tls" "${hosts[@]}" & pids+=($!)
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null 2>&1 \
  || mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp -r target/test-classes "$work/test-classes"
java -Xmx128m -cp "$work/test-classes:$(cat "$work/cp.txt")" io.egressprobe.testing.KubernetesApiStandIn \
  "$api" "$targets" egress-probe egress-probe-bench bench-node >"$work/api.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do grep -q "listening on" "$work/api.log" && break; sleep 0.5; done
grep -q "listening on" "$work/api.log" || { cat "$work/api.log" >&2; exit 1; }

config() { # NAME PORT MODE: the daemon's config file
  { echo "listen: 127.0.0.1:$2"; echo "mode: $3"; echo "defaults: { interval: $interval }"
    if [ "$3" = sidecar ]; then
      echo "envoy: { adminUrl: \"http://127.0.0.1:$admin\", readyUrl: \"http://127.0.0.1:$admin/ready\" }"
      echo "kubernetes: { enabled: true, events: true }"
      echo "discovery: { serviceEntries: { enabled: true } }"
    else
      echo "kubernetes: { enabled: false }"
    fi
    echo "targets:"
    for h in "${hosts[@]}"; do echo "  - { name: ${h%%.*}, host: $h, port: $tls, sni: localhost, tls: { caFile: $work/cert.pem } }"; done
  } > "$work/$1.yaml"
}
started=""
start_daemon() { # NAME PORT MODE [extra JVM flags]: starts it, sets $started to its PID
  local name=$1 port=$2 mode=$3; shift 3
  config "$name" "$port" "$mode"
  # shellcheck disable=SC2086 # JVM_FLAGS is a list of flags
  env POD_NAME=egress-probe-bench POD_NAMESPACE=egress-probe NODE_NAME=bench-node \
    java @jvm.options ${JVM_FLAGS:-} "$@" -Djdk.net.hosts.file="$work/hosts" -Dkubernetes.master="http://127.0.0.1:$api" \
    -Dkubernetes.auth.tryKubeConfig=false -Dkubernetes.auth.tryServiceAccount=false \
    -jar "$work/egress-probe.jar" run --config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pids+=($!); started=$!
}
prod_port=$(free_port); start_daemon production "$prod_port" sidecar; prod=$started
lab_port=$(free_port); start_daemon lab "$lab_port" direct; lab=$started

bbx_port=$(free_port)
cat > "$work/blackbox.yml" <<YML
modules:
  tls: { prober: tcp, timeout: 5s, tcp: { tls: true, tls_config: { ca_file: $work/cert.pem, server_name: localhost } } }
YML
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bbx_port" >"$work/bbx.log" 2>&1 &
bbx=$!; pids+=($bbx)
: > "$work/bbx.count"
# blackbox_exporter probes when asked: a paced driver asks at the daemons' rate.
python3 bench/blackbox_driver.py "$bbx_port" "$rate" "$((warmup + measure + 10))" "$work/bbx.count" "tls=127.0.0.1:$tls" &
pids+=($!)

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $targets targets every $interval ($rate probes/s each); $(java -version 2>&1 | head -1)" >&2
sleep "$warmup"
p0=$(attempts_of "$prod_port"); l0=$(attempts_of "$lab_port"); b0=$(wc -l < "$work/bbx.count")
cp0=$(ticks "$prod"); cl0=$(ticks "$lab"); cb0=$(ticks "$bbx")
sleep "$measure"
p1=$(attempts_of "$prod_port"); l1=$(attempts_of "$lab_port"); b1=$(wc -l < "$work/bbx.count")
cp1=$(ticks "$prod"); cl1=$(ticks "$lab"); cb1=$(ticks "$bbx")
per_probe() { echo "($2-$1)*1000/$tck/($4-$3)" | bc -l; }
bb_cpu=$(per_probe "$cb0" "$cb1" "$b0" "$b1")
memory() { # PID: its resident memory by origin, KiB, one "name=value" per line (read before any forced collection)
  awk '/^[0-9a-f]+-[0-9a-f]+ /{f=$6} /^Rss:/{if (f ~ /libjvm/) k=2; else if (f ~ /classes.jsa/) k=3; else if (f ~ /\/lib\/modules$/) k=4;
         else if (f ~ /tcnative/) k=5; else if (f == "" || f ~ /^\[/) k=1; else k=6; r[k]+=$2}
       END{split("anonymous,libjvm,class archive (CDS),JDK image,BoringSSL,other files", n, ","); for (k=1; k<=6; k++) print n[k] "=" r[k]+0}' \
    "/proc/$1/smaps"
  jcmd "$1" GC.heap_info | awk '/generation +total/{for(i=1;i<=NF;i++) if($i=="total") {gsub("K,","",$(i+1)); s+=$(i+1)}}
         / Metaspace +used/{for(i=1;i<=NF;i++) if($i=="committed") {gsub("K,","",$(i+1)); m=$(i+1)}}
         END{print "  of which heap committed=" s; print "  of which metaspace committed=" m}'
  jcmd "$1" Compiler.codecache | sed -nE 's/.*max_used=([0-9]+)Kb.*/  of which code cache used=\1/p'
}
row() { # NAME PID PROBES CPU_MS_PER_PROBE
  local rss hwm threads
  rss=$(( $(proc_status "$2" VmRSS) / 1024 )); hwm=$(( $(proc_status "$2" VmHWM) / 1024 )); threads=$(proc_status "$2" Threads)
  [ "$1" = blackbox ] || memory "$2" > "$work/memory.$1"
  printf "%-12s %8s %8s %8s %9s %10.2f %7.2fx %9s\n" "$1" "$rss" "$hwm" "$threads" "$3" "$4" "$(echo "$4/$bb_cpu" | bc -l)" \
    "$([ "$1" = blackbox ] && echo - || live_heap "$2")"
}
printf "%-12s %8s %8s %8s %9s %10s %8s %9s\n" config rss_MiB hwm_MiB threads probes cpu_ms/pr vs_bbx live_MiB
row production "$prod" "$((p1 - p0))" "$(per_probe "$cp0" "$cp1" "$p0" "$p1")"
row lab "$lab" "$((l1 - l0))" "$(per_probe "$cl0" "$cl1" "$l0" "$l1")"
row blackbox "$bbx" "$((b1 - b0))" "$bb_cpu"
echo
echo "Resident memory by origin, MiB (production / lab):"
paste -d= "$work/memory.production" <(cut -d= -f2 "$work/memory.lab") \
  | awk -F= '{printf "  %-32s %8.1f %8.1f\n", $1, $2/1024, $3/1024}'
echo
sources=$(curl -s "http://127.0.0.1:$prod_port/api/v1/targets" | python3 -c 'import collections,json,sys; t=json.load(sys.stdin)["targets"]; print(dict(collections.Counter(x["timeout"]["source"] for x in t)))' 2>/dev/null || echo "API unreadable")
echo "production: timeout sources $sources; $(curl -s "http://127.0.0.1:$prod_port/metrics" | grep -c '^egress_probe_envoy_upstream_connect_seconds{' || true) Envoy quantile series; dependencies: $(curl -s "http://127.0.0.1:$prod_port/metrics" | grep '^egress_probe_dependency_up' | sed -E 's/.*dependency="([^"]+)".* /\1=/' | tr '\n' ' ')"
kill "$prod" "$lab" 2>/dev/null || true
wide_port=$(free_port); start_daemon wide "$wide_port" sidecar -XX:ActiveProcessorCount=32; wide=$started
sleep 30
echo "threads with -XX:ActiveProcessorCount=32: $(proc_status "$wide" Threads) (production configuration, after 30 s):"
jcmd "$wide" Thread.print | sed -nE 's/^"([^"]*)".*/\1/p' | sed -E 's/[-#]?[0-9]+$//; s/-[0-9]+-/-N-/' | sort | uniq -c | sort -rn \
  | awk '{n=$1; $1=""; printf "%s%s x%d", sep, substr($0,2), n; sep=", "} END{print ""}'
