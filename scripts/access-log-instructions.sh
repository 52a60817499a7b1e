#!/usr/bin/env bash
# Instructions per request that the access log adds, counted by valgrind's callgrind (instruction
# counts, unlike throughput, do not move with this shared machine's noise).
#
#   scripts/access-log-instructions.sh [release-dir] [requests]
#
# Runs `switchyard-bench overhead` (non-streamed, concurrency 8, one round) twice, the gateway
# under callgrind, with `--access-log off` and `--access-log on`, then prints per request: the
# gateway's instructions outside the access-log thread (the request path) and in it. Needs
# valgrind and release binaries (`cargo build --release -p switchyard -p switchyard-mock -p
# switchyard-bench`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/callgrind-gateway.sh
release_dir="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release}")"
requests="${2:-3000}"
warmup=200
per_request=$((requests + warmup))
total() { awk '/^summary:/ {print $2; exit}' "$1"; }

callgrind_prepare "$release_dir"
for mode in off on; do
    rm -f "$work"/cg.*
    "$release_dir/switchyard-bench" overhead --release-dir "$work" \
        --rounds 1 --scenarios non-streaming --concurrency 8 --requests "$requests" \
        --warmup "$warmup" --duration-secs 600 --access-log "$mode" >"$work/bench-$mode.log" 2>&1 || true
    callgrind_stop
    grep -q "non-streaming" "$work/bench-$mode.log" || { cat "$work/bench-$mode.log" >&2; echo "bench failed" >&2; exit 1; }
    path=0
    writer=0
    for f in "$work"/cg.*-*; do
        n=$(total "$f")
        if grep -q 'access_log::run' "$f"; then
            writer=$((writer + n))
        else
            path=$((path + n))
        fi
    done
    awk -v n="$per_request" -v m="$mode" -v p="$path" -v w="$writer" 'BEGIN {
        printf "access log %-3s: %.0f instructions/request outside the access-log thread, %.0f in it\n", m, p / n, w / n
    }'
done
