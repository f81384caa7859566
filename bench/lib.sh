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
