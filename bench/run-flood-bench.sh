#!/usr/bin/env bash
# The flood benchmark (io.jkad.bench.FloodBench): one `kad run` (kad-node/target/kad.jar, memory store, -Xmx256m)
# under a flood of stalled pre-handshake connections and abusive peers (unread ping streams, unfinished 4 MiB
# Kademlia frames, FIND_NODE loops), while honest jkad nodes keep doing lookups and gets against it; a quiet phase
# first. Prints and writes bench/results/flood-<date>.md and .json: honest p50/p95 latency and success per phase,
# and the node's peak RSS. Linux only (/proc). Options are passed on: --heap 256m --honest 4 --phase 20
# --pre-auth 200 --abusers 3 --ping-streams 16 --partial-streams 24 --request-streams 8 --out bench/results
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jar="bench/target/benchmarks.jar"
kadjar="kad-node/target/kad.jar"
if [ ! -f "$jar" ] || [ ! -f "$kadjar" ] \
   || [ -n "$(find "$root" -path "$root/*/src/main/*" -newer "$jar" -type f -print -quit 2>/dev/null)" ] \
   || [ -n "$(find "$root" -path "$root/*/src/main/*" -newer "$kadjar" -type f -print -quit 2>/dev/null)" ]; then
  echo "Building the benchmarks jar and kad.jar..." >&2
  ./mvnw -B -q ${MVN_OPTS:-} -DskipTests -pl bench,kad-node -am package >&2
fi
exec java ${BENCH_JAVA_OPTS:-} -cp "$jar" io.jkad.bench.FloodBench --jar "$kadjar" "$@"
