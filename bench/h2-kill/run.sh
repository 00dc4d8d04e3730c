#!/usr/bin/env bash
# What the jdbc store on an H2 file keeps through a kill -9 (see README.md here).
# usage: [AFTER=SQL] [READX=settings] bench/h2-kill/run.sh TRIALS PERIOD_MS KILL_AFTER [write|recs] [H2 URL settings]
# Each trial (in parallel) writes every PERIOD_MS, is killed -9 as soon as write KILL_AFTER is
# acknowledged, reopens the store and prints the last write found. AFTER: a statement run after each
# write (e.g. CHECKPOINT); READX: URL settings added for the reopening only (e.g. ;RECOVER=TRUE).
# Needs kad-node/target/kad.jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/../../kad-node/target/kad.jar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" -cp "$jar" "$here/H2KillProbe.java"
cp="$work:$jar"
trials=$1 period=$2 target=$3 mode=${4:-write} extra=${5:-}
read_mode=read; [ "$mode" = recs ] && read_mode=readrecs
trial() {
    local d="$work/db$1"
    coproc W { exec java -Dafter="${AFTER:-}" -Dh2="$extra" -cp "$cp" H2KillProbe "$mode" "$d" "$period" 2>/dev/null; }
    local pid=$W_PID line
    while read -r line <&"${W[0]}"; do
        if [ "$line" = "saved $target" ]; then kill -9 "$pid"; break; fi
    done
    wait "$pid" 2>/dev/null || true
    echo "trial $1: acknowledged up to $target, found up to $(java -Dh2="$extra${READX:-}" -cp "$cp" H2KillProbe "$read_mode" "$d" 2>/dev/null | grep '^saved' | cut -d' ' -f2)"
}
for t in $(seq 1 "$trials"); do trial "$t" & done
wait
