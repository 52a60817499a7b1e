#!/usr/bin/env bash
# Installs the headless browser used by the dashboard test (Debian packages `chromium` and
# `chromium-driver`), idempotently: nothing is fetched when both are already installed, and
# `apt-get update` runs only when a package is missing.
set -euo pipefail

missing=()
for pkg in chromium chromium-driver; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "setup-chromium: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
