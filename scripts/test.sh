#!/usr/bin/env bash
# The test suite: Rust unit and integration tests (gateway and mock on port 0), including the
# official Python SDKs against the gateway, the dashboard in headless Chromium and the semantic
# cache's neural embedder (their venv, the browser and the model files are set up here,
# idempotently).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup-python.sh
./scripts/setup-models.sh
./scripts/setup-chromium.sh
cargo test --workspace "$@"
