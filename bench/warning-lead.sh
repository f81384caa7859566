#!/usr/bin/env bash
# How long the warning leads the cuts in the demo's `degrading` scenario: runs `egress-probe demo` for N cycles of
# 240 s (real time: the 1 s timeout and the delays are real) and, per cycle, reports when the latency warning fired
# (EgressConnectLatencyNearTimeout ok -> warning, from /api/v1/alerts), when the first attempt was cut at the timeout
# (the attempt's own end time, /api/v1/targets lastFailure, polled every 250 ms) and the difference.
#   bench/warning-lead.sh [CYCLES]      (default 3; JAR=path overrides target/egress-probe.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
cycles=${1:-3}
jar=${JAR:-target/egress-probe.jar}
[ -f "$jar" ] || { echo "no $jar: mvn -B -ntp -q -DskipTests package first" >&2; exit 1; }
work=$(mktemp -d); pids=(); trap bench_cleanup EXIT
cp "$jar" "$work/egress-probe.jar"
port=$(free_port)
uptime
# As the quick start runs it (java -jar …demo), not with the image's jvm.options.
(cd "$work" && exec java -jar egress-probe.jar demo --port "$port" > demo.log 2>&1) & pids+=($!)
python3 - "$port" "$cycles" <<'PY'
import json, sys, time, urllib.request
from datetime import datetime
port, cycles = int(sys.argv[1]), int(sys.argv[2])
base = f"http://127.0.0.1:{port}"
def get(path):
    with urllib.request.urlopen(base + path, timeout=5) as r:
        return json.load(r)
def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
deadline = time.time() + 60
while True:
    try:
        get("/api/v1/targets"); break
    except Exception:
        if time.time() > deadline: sys.exit("the demo did not answer within 60 s")
        time.sleep(0.5)
start = time.time()
end = start + cycles * 240 + 30
cuts, transitions = [], {}
last_count = 0
while time.time() < end:
    t = get("/api/v1/targets")
    t = t[0] if isinstance(t, list) else t["targets"][0]
    n = t.get("failuresSinceStart", {}).get("envoy_connect_timeout", 0)
    if n > last_count:
        lf = t.get("lastFailure") or {}
        at = ts(lf["at"]) if lf.get("reason") == "envoy_connect_timeout" else time.time()
        if not cuts or at - cuts[-1][-1] > 60:
            cuts.append([at, at])
        cuts[-1][-1] = at
        last_count = n
    for a in get("/api/v1/alerts")["recent"]:
        transitions[(a["alertname"], a["from"], a["to"], a["at"])] = ts(a["at"])
    time.sleep(0.25)
warnings = sorted(v for (name, f, to, _), v in transitions.items()
                  if name == "EgressConnectLatencyNearTimeout" and f == "ok" and to == "warning")
criticals = sorted(v for (name, f, to, _), v in transitions.items() if to == "critical")
print(f"{'cycle':>5} {'warning at':>11} {'first cut at':>13} {'lead':>8} {'first critical at':>18}")
leads = []
for i, (first, _) in enumerate(cuts):
    w = [x for x in warnings if first - 240 < x <= first + 60]
    c = [x for x in criticals if first - 120 < x <= first + 60]
    warn = max([x for x in w if x <= first], default=None) or (min(w) if w else None)
    lead = None if warn is None else first - warn
    if lead is not None: leads.append(lead)
    fmt = lambda x: "-" if x is None else f"{x - start:9.1f} s"
    print(f"{i + 1:>5} {fmt(warn):>11} {fmt(first):>13} {('-' if lead is None else f'{lead:6.1f} s'):>8} {fmt(min(c) if c else None):>18}")
if leads:
    print(f"lead of the warning over the first cut: min {min(leads):.1f} s, max {max(leads):.1f} s over {len(leads)} cycles")
else:
    print("no cycle with both a warning and a cut")
PY
