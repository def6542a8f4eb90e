#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (idempotent, all under ./build):
#   - a Python venv with azureml-inference-server-http + scikit-learn for the offline workspace tests
#   - Azurite (npm) for the blob-storage SharedKey/SAS tests
#   - Chromium (Debian package) for Studio's browser test
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prereqs.sh
# shellcheck disable=SC1091
source build/env.sh
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --all-features --no-fail-fast "$@"
  cargo test --doc --workspace --all-features
else
  cargo test --workspace --all-features --no-fail-fast "$@"
fi
