#!/usr/bin/env bash
# Repository index speed on this repository: cold builds (fresh index dir), warm reopens
# (nothing changed), and query times (median of many), with the release binary.
# usage: scripts/bench-index.sh [BIN] [ROUNDS]   (BIN default: target/release/switchyard)
set -euo pipefail
bin="${1:-${CARGO_TARGET_DIR:-target}/release/switchyard}"
rounds="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
echo "date: $(date -u +%FT%TZ); cores: $(nproc); commit: $(git -C "$root" rev-parse --short HEAD)"
for i in $(seq "$rounds"); do
  rm -rf "$data/self"
  "$bin" index "$root" --name self --data-dir "$data" | sed -n 's/^files: \([0-9]*\) walked.*/cold files \1/p; s/^chunks: .*time \([0-9.]*\) s (\([0-9]*\) files.*/cold time \1 s, \2 files\/s/p'
done
for i in $(seq "$rounds"); do
  "$bin" index "$root" --name self --data-dir "$data" | sed -n 's/^files: [0-9]* walked, \([0-9]*\) read.*/warm read \1/p; s/^chunks: .*time \([0-9.]*\) s.*/warm time \1 s/p'
done
"$bin" index "$root" --name self --data-dir "$data" | sed -n '/^chunks/p'
for q in "redacted_target" "how does the failover loop retry the next deployment"; do
  "$bin" index "$root" --name self --data-dir "$data" --query "$q" --repeat 1000 --limit 10 | sed -n '/^query/p'
done
"$bin" index "$root" --name self --data-dir "$data" --query "how does the failover loop retry the next deployment" --context-tokens 4000 --repeat 200 | sed -n '/^query/p'
