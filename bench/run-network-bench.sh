#!/usr/bin/env bash
# The network benchmark: the devnet workload on N js-libp2p, N go-libp2p-kad-dht, N rust-libp2p and N jkad nodes in one run
# (io.jkad.bench.NetworkBench); prints both rows and their ratios and writes
# bench/results/network-<date>.md and .json. Needs Node.js 20+, Go and Rust (the peers are installed or built
# when missing). Options are passed on: --nodes 20 --ops 100 --seed 1 --put-quorum 1 --get-quorum 2 --kinds js,go,rust
# --out bench/results
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jar="bench/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" \( -path "$root/*/src/main/*" -o -path "$root/kad-core/src/test/java/io/jkad/interop/*" \) -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
  echo "Building the benchmarks jar..." >&2
  # -DskipTests (not -Dmaven.test.skip): kad-core's test-jar, which holds the js harness, must be built.
  ./mvnw -B -q ${MVN_OPTS:-} -DskipTests -pl bench -am package >&2
fi
exec java ${BENCH_JAVA_OPTS:-} -cp "$jar" io.jkad.bench.NetworkBench "$@"
