#!/usr/bin/env bash
# What following the sidecar's listeners costs, on the largest real capture (Istio 1.18, 2.4 MB, 142 listeners):
#   bench/route.sh [CAPTURE]
# Builds the classes if needed; prints the parse time of a whole dump and the time to resolve one target's topology.
set -euo pipefail
cd "$(dirname "$0")/.."
capture=${1:-src/test/resources/envoy-real/config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json}
[ -d target/classes ] || mvn -q -DskipTests compile
cp=$(mktemp) out=$(mktemp -d)
trap 'rm -rf "$cp" "$out"' EXIT
mvn -q dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null
javac -cp "target/classes:$(cat "$cp")" -d "$out" bench/java/RouteBench.java
java -cp "$out:target/classes:$(cat "$cp")" RouteBench "$capture"
