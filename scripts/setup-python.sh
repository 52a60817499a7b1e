#!/usr/bin/env bash
# Creates (once) the virtual environment with the official OpenAI and Anthropic Python SDKs
# that the SDK compatibility test drives the gateway with. Idempotent: a venv whose
# requirements stamp matches is reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SWITCHYARD_VENV:-$root/.venv}"
req="$root/tests/sdk/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "python SDK venv ready at $venv" >&2
