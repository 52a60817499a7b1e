#!/usr/bin/env bash
# Heap allocations and instructions per request of the gateway, counted by valgrind's
# callgrind (allocations: calls into the Rust allocator, __rust_alloc, __rust_alloc_zeroed and
# __rust_realloc), so that two builds compare exactly, whatever the machine's noise.
#
#   scripts/request-allocations.sh [release-dir] [requests] [scenario] [extra bench args...]
#
# Runs `switchyard-bench overhead` for one round of one scenario (default: non-streaming) at
# concurrency 1 with the gateway under callgrind and analytics off, then prints the
# allocator calls and instructions per request of the whole gateway process (its start-up
# included, the same for two builds). Release binaries first:
# `cargo build --release -p switchyard -p switchyard-mock -p switchyard-bench`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
release_dir="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release}")"
requests="${2:-2000}"
scenario="${3:-non-streaming}"
shift $(( $# < 3 ? $# : 3 ))
warmup=100
source scripts/lib/callgrind-gateway.sh
callgrind_prepare "$release_dir"
"$release_dir/switchyard-bench" overhead --release-dir "$work" --rounds 1 --analytics off \
    --concurrency 1 --scenarios "$scenario" --requests "$requests" --warmup "$warmup" \
    --duration-secs 600 "$@" >"$work/bench.log" 2>&1 || true
callgrind_stop
grep -q "gateway" "$work/bench.log" || { cat "$work/bench.log" >&2; echo "bench failed" >&2; exit 1; }
# Every thread of the gateway counts: the start-up's allocations are the same for two
# builds, and requests are many (two runs with different counts give the start-up itself).
python3 - "$((requests + warmup))" "$work"/cg.*-* <<'PY'
import re, sys
n, paths = int(sys.argv[1]), sys.argv[2:]
calls = instructions = 0
alloc = re.compile(r"^(__rustc::)?__rust_(alloc|alloc_zeroed|realloc)$")
for path in paths:
  names, target = {}, None
  for line in open(path, errors="replace"):
    if line.startswith("summary:"):
        instructions += int(line.split()[1])
    m = re.match(r"c?fn=\((\d+)\) (.*)", line.strip())
    if m:
        names[m.group(1)] = m.group(2)
    if line.startswith("cfn="):
        m = re.match(r"cfn=\((\d+)\)", line.strip())
        target = names.get(m.group(1), "") if m else line.strip()[4:]
    elif line.startswith("calls=") and target is not None and alloc.match(target):
        calls += int(line.split("=")[1].split()[0])
print(f"gateway, {n} requests: {calls / n:.1f} allocator calls and {instructions / n:.0f} instructions per request")
PY
