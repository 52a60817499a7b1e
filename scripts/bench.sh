#!/usr/bin/env bash
# Builds the gateway, the mock and the load generator in release mode, then measures the
# gateway's overhead against the mock. Arguments go to `switchyard-bench overhead`, e.g.
#   scripts/bench.sh --rounds 5 --markdown /tmp/overhead.md
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
cargo build --release -p switchyard -p switchyard-mock -p switchyard-bench
exec "$target_dir/release/switchyard-bench" overhead "$@"
