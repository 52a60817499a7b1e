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
release_dir="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release}")"
requests="${2:-3000}"
warmup=200
for bin in switchyard switchyard-mock switchyard-bench; do
    [[ -x "$release_dir/$bin" ]] || { echo "no $release_dir/$bin; build release binaries first" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }

work="$(mktemp -d)"
trap 'pkill -TERM -f "callgrind-out-file=$work/" 2>/dev/null || true; rm -rf "$work"' EXIT
# As in analytics-instructions.sh: a wrapper runs the gateway under callgrind in the
# background, so that the bench's kill reaches the wrapper; valgrind is stopped with SIGTERM
# below and then writes its counts.
cat >"$work/switchyard" <<EOF
#!/usr/bin/env bash
valgrind --tool=callgrind --separate-threads=yes \
  --callgrind-out-file=$work/\$SWITCHYARD_CG_MODE.%p "$release_dir/switchyard" "\$@" &
wait
EOF
chmod +x "$work/switchyard"
ln -s "$release_dir/switchyard-mock" "$work/switchyard-mock"

total() { awk '/^summary:/ {print $2; exit}' "$1"; }
per_request=$((requests + warmup))
for mode in off on; do
    SWITCHYARD_CG_MODE=$mode "$release_dir/switchyard-bench" overhead --release-dir "$work" \
        --rounds 1 --scenarios non-streaming --concurrency 8 --requests "$requests" \
        --warmup "$warmup" --duration-secs 600 --access-log "$mode" >"$work/bench-$mode.log" 2>&1 || true
    pkill -TERM -f "callgrind-out-file=$work/" || true
    for _ in $(seq 60); do
        pgrep -f "callgrind-out-file=$work/" >/dev/null || break
        sleep 1
    done
    grep -q "non-streaming" "$work/bench-$mode.log" || { cat "$work/bench-$mode.log" >&2; echo "bench failed" >&2; exit 1; }
    path=0
    writer=0
    for f in "$work/$mode".*-*; do
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
