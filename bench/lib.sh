# shellcheck shell=bash
# What the bench scripts share; sourced, never run. Everything listens on 127.0.0.1.

# The image runs the JVM with two malloc arenas (Dockerfile); so do the benchmarks.
export MALLOC_ARENA_MAX=2

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU ticks (user + system) a process has used so far.
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# Resident memory of a process in MiB.
rss_mib() { awk '/^VmRSS:/{printf "%.0f", $2/1024}' "/proc/$1/status"; }

# A self-signed certificate for localhost: DIR/NAME.pem, DIR/NAME.key and DIR/NAME.haproxy.pem (both, for HAProxy).
#   self_signed DIR NAME ec|rsa
self_signed() {
  local dir=$1 name=$2 key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [ "$3" = rsa ] && key=(-newkey rsa:2048)
  openssl req -x509 "${key[@]}" -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$dir/$name.key" -out "$dir/$name.pem" 2>/dev/null
  cat "$dir/$name.pem" "$dir/$name.key" > "$dir/$name.haproxy.pem"
}

# An HAProxy config that completes full TLS handshakes (no session cache, no tickets) and answers 200 to any request.
#   haproxy_tls_config FILE ADDRESS:PORT=PEM...
haproxy_tls_config() {
  local file=$1 bind; shift
  { cat <<CFG
global
  maxconn 8000
  tune.ssl.cachesize 0
defaults
  mode http
  timeout connect 5s
  timeout client 20s
  timeout server 20s
frontend tls
CFG
    for bind in "$@"; do echo "  bind ${bind%%=*} ssl crt ${bind#*=} no-tls-tickets"; done
    echo "  http-request return status 200"
  } > "$file"
}

# A work directory ($work) holding a copy of the jar, so that a rebuild cannot change a running benchmark; on exit,
# every process in $pids is stopped and the directory removed, after the tail of each log if the script failed.
bench_work() {
  work=$(mktemp -d)
  cp target/egress-probe.jar "$work/egress-probe.jar"
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local status=$?
  [ "$status" = 0 ] || for log in "$work"/*.log; do echo "== $log" >&2; tail -5 "$log" >&2; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"
}

# One HAProxy TLS target (ECDSA P-256, full handshakes) on a free port, which it sets as $tls; $work/cert.pem is its
# certificate.
start_tls_target() {
  self_signed "$work" cert ec
  tls=$(free_port)
  haproxy_tls_config "$work/haproxy.cfg" "127.0.0.1:$tls=$work/cert.haproxy.pem"
  haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)
}

# A field of /proc/PID/status (VmRSS, VmHWM and Threads are in KiB or a count).
proc_status() { awk -v k="$2:" '$1==k{print $2}' "/proc/$1/status"; }

# MiB of heap in use after the full collection that a class histogram forces.
live_heap() {
  jcmd "$1" GC.class_histogram >/dev/null 2>&1
  jcmd "$1" GC.heap_info | awk '/generation +total/{for(i=1;i<=NF;i++) if($i=="used") {gsub("K,","",$(i+1)); s+=$(i+1)}} END{printf "%.1f", s/1024}'
}

# Attempts a daemon listening on PORT has made so far.
attempts_of() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^egress_probe_attempts_total/{s+=$2} END{print s+0}'; }
