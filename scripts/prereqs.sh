#!/usr/bin/env bash
# Installs what the test suite needs, idempotently, under ./build (nothing global except
# Debian packages when missing: nodejs/npm, python3-venv, chromium). Writes build/env.sh for scripts/test.sh to source.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p build

have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  if have apt-get; then
    echo "prereqs: apt-get install $*" >&2
    (apt-get update -qq || true) >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# Node + npm for Azurite (the Azure Storage emulator the SharedKey/SAS tests run against).
have npm || apt_install nodejs npm
./scripts/azurite.sh install

# Headless Chromium for Studio's browser test (tests/studio_browser.rs starts and stops it).
have chromium || have chromium-browser || apt_install chromium

# Python 3 with venv + pip, and uv in build/tools, for the offline workspace (it builds one venv
# per environment).
./scripts/local-prereqs.sh

{
  echo "export AZURITE_BLOB_BIN=\"$ROOT/build/azurite/node_modules/.bin/azurite-blob\""
  echo "export AZUREML_LOCAL_VENV_CACHE=\"$ROOT/build/venv-cache\""
  echo "export AZUREML_LOCAL_UV=\"$ROOT/build/tools/bin/uv\""
} > build/env.sh
echo "prereqs: ok" >&2
