#!/usr/bin/env bash
# Instructions per request that recording analytics adds, counted by valgrind's callgrind:
# unlike throughput and CPU time, instruction counts do not move with the machine's noise
# (the same binary and load give the same counts within a fraction of a per cent).
#
#   scripts/analytics-instructions.sh [release-dir] [requests]
#
# Runs `switchyard-bench analytics-cost` for one round with both gateways (analytics off and
# on) under callgrind, then prints, per request: the gateway worker's instructions with
# analytics off and on, and the instructions of the analytics writer's threads (pricing,
# metrics, batching; segment encoding and SQLite). The bench's final summary query runs on
# another thread and is not counted. Needs valgrind (on every machine of this kind) and
# release binaries (`cargo build --release -p switchyard -p switchyard-mock -p switchyard-bench`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
release_dir="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release}")"
requests="${2:-3000}"
warmup=200
source scripts/lib/callgrind-gateway.sh
callgrind_prepare "$release_dir"
"$release_dir/switchyard-bench" analytics-cost --release-dir "$work" --rounds 1 \
    --requests "$requests" --warmup "$warmup" --concurrency 8 --duration-secs 600 \
    >"$work/bench.log" 2>&1 || true
callgrind_stop
grep -q "requests sent (all)" "$work/bench.log" || { cat "$work/bench.log" >&2; echo "bench failed" >&2; exit 1; }

per_request=$((requests + warmup))
total() { awk '/^summary:/ {print $2; exit}' "$1"; }
# The two gateways' pids, in start order: the first has analytics off.
mapfile -t pids < <(ls "$work" | sed -n 's/^cg\.\([0-9]*\)-01$/\1/p' | sort -n)
[[ ${#pids[@]} -eq 2 ]] || { echo "expected two callgrind runs, found ${#pids[@]}" >&2; exit 1; }
off_worker=$(total "$work/cg.${pids[0]}-02")
on_worker=$(total "$work/cg.${pids[1]}-02")
writer=0
for f in "$work/cg.${pids[1]}"-*; do
    if grep -q -e 'Writer::run' -e 'SegmentEncoder::encode' "$f"; then
        writer=$((writer + $(total "$f")))
    fi
done
awk -v n="$per_request" -v off="$off_worker" -v on="$on_worker" -v w="$writer" 'BEGIN {
    printf "requests per gateway:              %d\n", n
    printf "worker, analytics off:             %.0f instructions/request\n", off / n
    printf "worker, analytics on:              %.0f instructions/request (%+.0f)\n", on / n, (on - off) / n
    printf "analytics writer threads:          %.0f instructions/request\n", w / n
    printf "added in all:                      %.0f instructions/request = %.1f %% of the worker with analytics off\n", (on - off + w) / n, 100 * (on - off + w) / off
}'
