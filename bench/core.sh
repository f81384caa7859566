#!/usr/bin/env bash
# What a target's core (window, lost-SYN judgement, statistics per snapshot, evaluator) costs at 1,000 targets:
#   bench/core.sh
# Builds the classes if needed; prints milliseconds of one thread per simulated second (1,000 attempts, 1,000
# judgements, a scrape every 15 s), after 700 s that fill the 10-minute windows.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d target/classes ] || mvn -q -DskipTests compile
cp=$(mktemp) out=$(mktemp -d)
trap 'rm -rf "$cp" "$out"' EXIT
mvn -q dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null
javac -cp "target/classes:$(cat "$cp")" -d "$out" bench/java/CoreBench.java
java -Xmx256m -cp "$out:target/classes:$(cat "$cp")" CoreBench
