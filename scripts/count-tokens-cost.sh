#!/usr/bin/env bash
# Time and peak memory of `POST /v1/messages/count_tokens` answered by the estimate, for
# one "A"×N string of 5 MB and of 30 MB (one fresh gateway each), and for 8 × 5 MB at once.
# Figures in BENCHMARKS.md ("count_tokens estimation").
#
#   cargo build --release -p switchyard
#   scripts/count-tokens-cost.sh [target/release/switchyard]
set -euo pipefail
BIN=${1:-${CARGO_TARGET_DIR:-target}/release/switchyard}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/bench.toml" <<'TOML'
[server]
max_body_bytes = 33554432
count_tokens_max_body_bytes = 33554432   # the 30 MB body is over the 8 MiB default
[providers.nowhere]                      # not Anthropic: count_tokens is estimated
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[models.m]
deployments = [{ provider = "nowhere", model = "x" }]
[analytics]
enabled = false
TOML
python3 - "$DIR" <<'PY'
import sys
d = sys.argv[1]
for mb in (5, 30):
    with open(f"{d}/body{mb}.json", "w") as f:
        f.write('{"model":"m","messages":[{"role":"user","content":"' + "A" * (mb * 1_000_000) + '"}]}')
with open(f"{d}/small.json", "w") as f:
    f.write('{"model":"m","messages":[{"role":"user","content":"hello"}]}')
PY

start() {
  "$BIN" serve --config "$DIR/bench.toml" --listen 127.0.0.1:0 > "$DIR/out" 2> "$DIR/err" &
  PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$DIR/out" && break; sleep 0.1; done
  ADDR=$(grep -o "listening on .*" "$DIR/out" | awk '{print $3}')
  # Warm-up: loads the tokenizer's vocabulary (a one-time cost, not the body's).
  post small.json > /dev/null
  WARM=$(hwm)
}
post() {
  curl -s -o /dev/null -w '%{time_total} %{http_code}' -X POST "http://$ADDR/v1/messages/count_tokens" \
    -H 'content-type: application/json' --data-binary "@$DIR/$1"
}
hwm() { echo $(( $(awk '/VmHWM/ {print $2}' "/proc/$PID/status") / 1024 )); }
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

for mb in 5 30; do
  start
  result=$(post "body$mb.json")
  echo "${mb} MB: ${result% *} s, status ${result#* }, peak RSS $(hwm) MB (${WARM} MB after warm-up)"
  stop
done
start
begin=$(date +%s.%N)
pids=()
for _ in 1 2 3 4 5 6 7 8; do post body5.json > /dev/null & pids+=($!); done
wait "${pids[@]}"
echo "8 × 5 MB at once: $(echo "$(date +%s.%N) - $begin" | bc) s, peak RSS $(hwm) MB"
stop
