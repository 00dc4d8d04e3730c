#!/usr/bin/env bash
# The serving benchmark (io.jkad.bench.ServeBench): one target at a time -- `kad run` on the memory store,
# `kad run` on RocksDB, a go-libp2p-kad-dht peer (interop/go), a js-libp2p peer (interop/js) -- each pinned to
# CPU 0, loaded from a JVM pinned to CPU 1 with FIND_NODE, GET_VALUE, GET_PROVIDERS and ADD_PROVIDER over many
# connections (each its own peer id): a closed loop per type (the peak), then an open loop at half of
# the peak (p50/p99; a jkad target's own, for go and js jkad-memory's). Writes <out>/<name>.md and .json. Linux only (taskset, /proc).
# Options (all passed on; durations in seconds):
#   --targets jkad-memory,jkad-rocksdb,go,js --connections 32 --depth 8 --warmup 12 --lead 1 --phase 4
#   --open-phase <s> (the open loop's length; default: --phase; a p99 over a longer phase is less one stall's)
#   --open-fraction 0.5 --records 1000 --provider-keys 1000 --value-bytes 256 --fillers 20 --heap 1g
#   --out bench/results --name serve-<date>
# SERVE_TARGET_JAVA_OPTS: more JVM options for the kad run targets ({store} is replaced by the store's name), e.g.
#   SERVE_TARGET_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/serve-{store}.jfr,settings=profile'
# SERVE_TARGET_JAVA: another java for the kad run targets (e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java).
# SERVE_PIN=0 runs unpinned. The go peer is built by the harness if interop/go/target/jkad-go-peer is stale
# (Go toolchain needed); the js peer needs interop/js/node_modules (npm ci).
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
pin=()
extra=()
if [ "${SERVE_PIN:-1}" != 0 ] && [ "$(nproc)" -ge 2 ]; then
  pin=(taskset -c 1)
  extra=(--target-cpus 0)
fi
env_prefix=""
if [ -n "${SERVE_TARGET_JAVA:-}" ]; then env_prefix="SERVE_TARGET_JAVA=$SERVE_TARGET_JAVA "; fi
export SERVE_COMMAND="${env_prefix}bash bench/run-serve-bench.sh $*"
# The load generator's heap: a young generation large enough that it collects every few seconds, not
# several times a second (its own pauses would count in the latencies it measures). BENCH_JAVA_OPTS replaces it.
exec "${pin[@]}" java ${BENCH_JAVA_OPTS:--Xms3g -Xmn2g} -cp "$jar" io.jkad.bench.ServeBench --jar "$kadjar" "${extra[@]}" "$@"
