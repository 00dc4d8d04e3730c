#!/usr/bin/env bash
# The flood benchmark (io.jkad.bench.FloodBench): one `kad run` (kad-node/target/kad.jar, memory store, -Xmx256m,
# --max-memory 64m) serving honest jkad nodes (on 127.0.0.1, each its own peer id, one lookup or get every 250 ms:
# well under the per-peer request budgets) while attackers on other loopback addresses flood it: stalled
# pre-handshake connections from 127.0.1.x/127.0.3.x, and abusers from 127.0.2.x that pass admission and then
# flood requests, unread ping streams, Yamux pings, unfinished large frames. A quiet phase first. Writes
# <out>/<name>.md and .json: honest p50/p95 latency and success per phase, the node's peak RSS and threads, and
# issue 11's aims. Linux only (/proc, 127.0.0.0/8). Options (all passed on; durations in seconds):
#   --warmup 10 --phase 20 --settle 3 --heap 256m --max-memory 64m --jvm-overhead 128 --honest 8
#   --interval-ms 250 --pre-auth 200 --pre-auth-ips 40 --abusers 2 (per kind) --request-streams 8
#   --ping-streams 16 --frame-streams 24 --out bench/results --name flood-<date>
#   --target-cpus 0 --attack-cpus 1 (the default on 2+ CPUs: the node under taskset -c 0, the attackers in a JVM of their own under
#   taskset -c 1; BENCH_CPUS=0 pins the honest peers' JVM likewise). FLOOD_TARGET_JAVA_OPTS: more JVM options
#   for the node (e.g. -XX:StartFlightRecording=filename=node.jfr,settings=profile)
# e.g. bash bench/run-flood-bench.sh --warmup 5 --phase 20 --name flood-2026-12-05-after
#      FLOOD_PIN=0 bash bench/run-flood-bench.sh --name flood-unpinned   (see the pinning note below)
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
# By default, on a machine of 2 CPUs or more, the attackers get CPUs of their own (as they would have
# machines of their own): the node and the honest peers on CPU 0, the attackers on the rest. FLOOD_PIN=0
# runs everything unpinned in one JVM, as the bench did first (then the attackers' CPU use starves the
# honest peers and the node alike, and the honest latency measures the attackers' machine).
pin=()
extra=()
cpus=$(nproc)
if [ "${FLOOD_PIN:-1}" != 0 ] && [ "$cpus" -ge 2 ]; then
  BENCH_CPUS="${BENCH_CPUS:-0}"
  extra=(--target-cpus 0 --attack-cpus "1-$((cpus - 1))")
fi
if [ -n "${BENCH_CPUS:-}" ]; then pin=(taskset -c "$BENCH_CPUS"); fi
exec "${pin[@]}" java ${BENCH_JAVA_OPTS:-} -cp "$jar" io.jkad.bench.FloodBench --jar "$kadjar" "${extra[@]}" "$@"
