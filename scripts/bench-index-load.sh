#!/usr/bin/env bash
# Request latency while the gateway embeds a repository's chunks for the first time (this
# repository, ~2 minutes of one core): three sequential clients of /v1/chat/completions
# against a release gateway with a mock upstream, with the repository's embedder off
# (baseline), on at the indexing thread's lowered priority (nice 10, as shipped), and on
# with that thread reniced back to 0.
# usage: scripts/bench-index-load.sh off|neural keep|0 TAG   (release binaries built first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
T="${CARGO_TARGET_DIR:-$root/target}/release"
d=$(mktemp -d)
"$T/switchyard-mock" > "$d/mock.out" 2>/dev/null & mp=$!
sleep 1; mport=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$d/mock.out" | head -1)
cat > "$d/c.toml" <<TOML
[server]
api_keys = ["bench-key-1"]
[providers.m]
kind = "openai"
base_url = "http://127.0.0.1:$mport/v1"
[models.fast]
deployments = [{ provider = "m", model = "x" }]
[repositories.self]
path = "$root"
data_dir = "$d/idx"
refresh_interval_secs = 0
embedder = "$1"
TOML
"$T/switchyard" serve --config "$d/c.toml" --listen 127.0.0.1:0 > "$d/gw.out" 2> "$d/gw.err" & gp=$!
sleep 2; gport=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$d/gw.out" | head -1)
for _ in $(seq 50); do grep -q "index: ready" "$d/gw.err" && break; sleep 0.2; done
tid=$(grep -l switchyard-inde /proc/$gp/task/*/comm | head -1 | cut -d/ -f5 || true)
if [ "$2" = "0" ] && [ -n "$tid" ]; then renice -n 0 -p "$tid" >/dev/null; fi
cps=""
for k in 1 2 3; do
  python3 "$root/scripts/lib/sequential_client.py" "$gport" 3000 "$3-c$k" & cps="$cps $!"
done
wait $cps
kill $gp $mp; wait 2>/dev/null || true
rm -rf "$d"
