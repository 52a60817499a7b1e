# Shared by the scripts that count a gateway's work under valgrind's callgrind (sourced, not
# run). `callgrind_prepare RELEASE_DIR` checks the binaries, makes `$work` (removed on exit
# unless KEEP is set) and puts in it a `switchyard` wrapper that runs the real one under
# callgrind, plus the mock; point `switchyard-bench --release-dir "$work"` at it, then call
# `callgrind_stop` so that valgrind writes its counts to `$work/cg.<pid>-<thread>`.
#
# The wrapper runs valgrind in the background so that the bench's kill reaches the wrapper,
# not valgrind, which `callgrind_stop` ends with SIGTERM (a killed valgrind writes nothing).

callgrind_prepare() {
    local release_dir="$1" bin
    for bin in switchyard switchyard-mock switchyard-bench; do
        [[ -x "$release_dir/$bin" ]] || { echo "no $release_dir/$bin; build release binaries first" >&2; exit 1; }
    done
    command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
    work="$(mktemp -d)"
    trap 'pkill -TERM -f "callgrind-out-file=$work/" 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
    cat >"$work/switchyard" <<WRAP
#!/usr/bin/env bash
valgrind --tool=callgrind --separate-threads=yes \
  --callgrind-out-file=$work/cg.%p "$release_dir/switchyard" "\$@" &
wait
WRAP
    chmod +x "$work/switchyard"
    ln -s "$release_dir/switchyard-mock" "$work/switchyard-mock"
}

callgrind_stop() {
    pkill -TERM -f "callgrind-out-file=$work/" || true
    for _ in $(seq 60); do
        pgrep -f "callgrind-out-file=$work/" >/dev/null || break
        sleep 1
    done
}
