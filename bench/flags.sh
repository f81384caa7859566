#!/usr/bin/env bash
# JVM flags side by side: one egress-probe per flag set, all in the lab configuration (direct path, Kubernetes off)
# with the image's jvm.options first and the set's flags after them, probing the same HAProxy target at the same rate
# in one run, so that a flag's worth is not lost in the machine's noise. Prints RSS, peak RSS, threads, CPU per probe,
# CPU seconds since start (start-up and JIT included), the collections since start, the live heap after a full GC and Native Memory Tracking's committed KiB per category.
#   bench/flags.sh TARGETS INTERVAL WARMUP MEASURE NAME='FLAGS' [NAME='FLAGS'...]
#   bench/flags.sh 100 1s 60 60 image='' lean-code='-XX:Tier3InvocationThreshold=2000'
# Needs: the jar (mvn -q -DskipTests package), haproxy, openssl, curl, jcmd. Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 5 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
targets=$1 interval=$2 warmup=$3 measure=$4; shift 4
jar=target/egress-probe.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
source bench/lib.sh
bench_work
tck=$(getconf CLK_TCK)

start_tls_target
hosts=(); for i in $(seq 1 "$targets"); do hosts+=("t$i.bench.test"); done
echo "127.0.0.1 ${hosts[*]}" > "$work/hosts"

names=(); ports=(); daemons=()
for set in "$@"; do
  name=${set%%=*}; flags=${set#*=}; port=$(free_port)
  { echo "listen: 127.0.0.1:$port"; echo "mode: direct"; echo "defaults: { interval: $interval }"
    echo "kubernetes: { enabled: false }"; echo "targets:"
    for h in "${hosts[@]}"; do echo "  - { name: ${h%%.*}, host: $h, port: $tls, sni: localhost, tls: { caFile: $work/cert.pem } }"; done
  } > "$work/$name.yaml"
  # shellcheck disable=SC2086 # flags is a list of flags
  java @jvm.options $flags -XX:NativeMemoryTracking=summary -Xlog:gc:file="$work/$name.gc" -Djdk.net.hosts.file="$work/hosts" \
    -jar "$work/egress-probe.jar" run --config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pids+=($!); daemons+=($!); names+=("$name"); ports+=("$port")
done

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $targets targets every $interval each; $(java -version 2>&1 | head -1)" >&2
sleep "$warmup"
a0=(); c0=(); for i in "${!names[@]}"; do a0+=("$(attempts_of "${ports[$i]}")"); c0+=("$(ticks "${daemons[$i]}")"); done
sleep "$measure"
nmt() { jcmd "$1" VM.native_memory summary | sed -nE 's/^-? *([A-Za-z][A-Za-z ]+) \(reserved=[0-9]+KB, committed=([0-9]+)KB.*/\1=\2/p; s/^Total: reserved=[0-9]+KB, committed=([0-9]+)KB.*/Total=\1/p'; }
printf "%-14s %8s %8s %8s %9s %10s %11s %9s %8s %9s\n" flags rss_MiB hwm_MiB threads probes cpu_ms/pr cpu_s_total young_gcs full_gcs live_MiB
for i in "${!names[@]}"; do
  p=${daemons[$i]}; a1=$(attempts_of "${ports[$i]}"); c1=$(ticks "$p")
  rss=$(( $(proc_status "$p" VmRSS) / 1024 )); hwm=$(( $(proc_status "$p" VmHWM) / 1024 )); threads=$(proc_status "$p" Threads)
  young=$(grep -c "Pause Young" "$work/${names[$i]}.gc" || true); full=$(grep -c "Pause Full" "$work/${names[$i]}.gc" || true)
  printf "%-14s %8s %8s %8s %9s %10.2f %11.1f %9s %8s %9s\n" "${names[$i]}" "$rss" "$hwm" "$threads" "$((a1 - ${a0[$i]}))" \
    "$(echo "($c1-${c0[$i]})*1000/$tck/($a1-${a0[$i]})" | bc -l)" "$(echo "$c1/$tck" | bc -l)" "$young" "$full" "$(live_heap "$p")"
done
echo
echo "Native Memory Tracking, committed KiB (${names[*]}):"
for i in "${!names[@]}"; do nmt "${daemons[$i]}" | sort > "$work/nmt.$i"; done
awk -F= 'FNR==1{n++} {v[$1,n]=$2; keys[$1]; t[$1]+=$2}
  END{for (k in keys) if (t[k] >= 512) {printf "  %-24s", k; for (i=1; i<=n; i++) printf " %9d", v[k,i]; print ""}}' "$work"/nmt.* \
  | sort -t" " -k1,1
