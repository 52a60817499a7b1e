#!/usr/bin/env bash
# Instructions and heap allocations per request of one gateway binary, counted by valgrind's
# callgrind: the gateway (one worker, analytics off) in front of switchyard-mock, driven
# over one keep-alive connection by a small Python client; per request = (count after N2
# requests − count after N1) / (N2 − N1), so start-up and shutdown cancel out. Allocations
# are calls into the Rust allocator (__rust_alloc, __rust_alloc_zeroed, __rust_realloc).
# Repeatable within ~0.5 %, unlike throughput on a shared machine.
#
#   scripts/request-instructions.sh RELEASE_DIR [json|stream] [N1] [N2]
#
# RELEASE_DIR holds `switchyard` and `switchyard-mock` (cargo build --release -p switchyard
# -p switchyard-mock). Compare two builds by running it on each. GATEWAY_EXTRA_TOML is appended
# to the gateway's config (e.g. '[server]\naccess_log = false\n' to leave the access log out).
set -euo pipefail
dir="$(realpath "$1")"
mode="${2:-json}"
n1="${3:-200}"
n2="${4:-1200}"
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/load.py" <<'PY'
import http.client, json, sys
host, port = sys.argv[1].rsplit(":", 1)
n, stream = int(sys.argv[2]), sys.argv[3] == "stream"
c = http.client.HTTPConnection(host, int(port))
body = json.dumps({"model": "m", "stream": stream,
                   "messages": [{"role": "user", "content": "Reverse a string in Rust please"}]})
for _ in range(n):
    c.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
    r = c.getresponse()
    data = r.read()
    assert r.status == 200, (r.status, data[:200])
PY

wait_for() { for _ in $(seq 900); do grep -q "$2" "$1" && return 0; sleep 0.1; done; return 1; }

# Total instructions of a gateway that served $1 requests.
count() {
  "$dir/switchyard-mock" --listen 127.0.0.1:0 > "$work/mock.out" 2>&1 &
  local mock=$!
  wait_for "$work/mock.out" "127.0.0.1:[0-9]"
  local addr
  addr=$(grep -o "127.0.0.1:[0-9]*" "$work/mock.out" | head -1)
  printf '[providers.mock]\nkind = "openai"\nbase_url = "http://%s/v1"\n[models.m]\ndeployments = [{ provider = "mock", model = "x" }]\n[analytics]\nenabled = false\n' \
    "$addr" > "$work/gw.toml"
  printf '%b' "${GATEWAY_EXTRA_TOML:-}" >> "$work/gw.toml"
  rm -f "$work/cg.out"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$dir/switchyard" serve \
    --config "$work/gw.toml" --listen 127.0.0.1:0 --worker-threads 1 > "$work/gw.out" 2> "$work/gw.err" &
  local gw=$!
  wait_for "$work/gw.out" "listening on"
  python3 "$work/load.py" "$(grep -o 'listening on .*' "$work/gw.out" | awk '{print $3}' | sed 's|http://||')" "$1" "$mode"
  kill -TERM "$gw"; wait "$gw" 2>/dev/null || true
  kill "$mock"; wait "$mock" 2>/dev/null || true
  python3 "$work/totals.py" "$work/cg.out"
}
# Prints "instructions allocator-calls" of a callgrind output file.
cat > "$work/totals.py" <<'PY'
import re, sys
alloc = re.compile(r"^(__rustc::)?__rust_(alloc|alloc_zeroed|realloc)$")
names, target, calls, total = {}, None, 0, 0
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("summary:"):
        total = int(line.split()[1])
    m = re.match(r"c?fn=\((\d+)\) (.*)", line.strip())
    if m:
        names[m.group(1)] = m.group(2)
    if line.startswith("cfn="):
        m = re.match(r"cfn=\((\d+)\)", line.strip())
        target = names.get(m.group(1), "") if m else line.strip()[4:]
    elif line.startswith("calls=") and target is not None and alloc.match(target):
        calls += int(line.split("=")[1].split()[0])
print(total, calls)
PY
read -r ia ca < <(count "$n1")
read -r ib cb < <(count "$n2")
awk -v ia="$ia" -v ib="$ib" -v ca="$ca" -v cb="$cb" -v n1="$n1" -v n2="$n2" -v mode="$mode" 'BEGIN {
    printf "%s: %.0f instructions and %.1f allocations per request (%d requests: %d / %d, %d: %d / %d)\n",
        mode, (ib - ia) / (n2 - n1), (cb - ca) / (n2 - n1), n1, ia, ca, n2, ib, cb
}'
