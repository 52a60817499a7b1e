#!/usr/bin/env bash
# The test suite: Rust unit and integration tests (gateway and mock on port 0), including the
# official Python SDKs against the gateway and the dashboard in headless Chromium (their venv
# and the browser are set up here, idempotently).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup-python.sh
./scripts/setup-chromium.sh
cargo test --workspace "$@"
