#!/usr/bin/env bash
# Builds the bench module (and what it needs) and runs the store benchmarks: each store against its
# raw engine (JMH, one fork each, short iterations), then writes bench/results/store-<date>.{md,json,png}.
#
#   bench/run-store-bench.sh                 # the full run: about 20-25 minutes on 2 cores
#   bench/run-store-bench.sh --quick         # 256-byte values, 1 thread, fewer iterations: about 10 minutes
#   bench/run-store-bench.sh --backends memory,rocksdb
#   bench/run-store-bench.sh --report bench/results/store-2026-11-26.json   # redo the report, no run
#
# Maven's own options come from MAVEN_ARGS (Maven 3.9), e.g. MAVEN_ARGS=-o for an offline build; the build
# packages bench and what it needs in the reactor (no install).
#
# Other options: see io.jkad.bench.StoreBenchReport. PostgreSQL rows need the server binaries
# (Debian: apt-get install postgresql); without them they are left out. The log goes to
# bench/target/store-bench.log as well.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q package -pl bench -am -DskipTests
mkdir -p bench/target
java -Djkad.bench.command="bench/run-store-bench.sh" -cp bench/target/benchmarks.jar \
    io.jkad.bench.StoreBenchReport "$@" 2>&1 | tee bench/target/store-bench.log
exit "${PIPESTATUS[0]}"
