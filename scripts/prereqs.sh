#!/usr/bin/env bash
# Installs what the test suite needs, idempotently, under ./build (nothing global except
# Debian packages when missing). Writes build/env.sh for scripts/test.sh to source.
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

# Python 3 with venv + pip, and uv in build/tools, for the offline workspace (it builds one venv
# per environment).
./scripts/local-prereqs.sh

# Python azure-ai-ml in a venv of its own (build/pyclient), for the test that points a second
# client process at `azml local start` (crates/azml/tests/python_client.rs). Pinned, like the
# benchmark's copy (benches/compare.sh); uv installs it in seconds once its cache is warm.
AZURE_AI_ML_VERSION="1.35.2"
PYCLIENT="$ROOT/build/pyclient"
if ! "$PYCLIENT/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('azure-ai-ml') != '$AZURE_AI_ML_VERSION')" >/dev/null 2>&1; then
  echo "prereqs: installing azure-ai-ml $AZURE_AI_ML_VERSION into $PYCLIENT" >&2
  [ -x "$PYCLIENT/bin/python" ] || "$ROOT/build/tools/bin/uv" venv --quiet --python python3 "$PYCLIENT"
  "$ROOT/build/tools/bin/uv" pip install --quiet --python "$PYCLIENT/bin/python" "azure-ai-ml==$AZURE_AI_ML_VERSION"
fi

{
  echo "export AZURITE_BLOB_BIN=\"$ROOT/build/azurite/node_modules/.bin/azurite-blob\""
  echo "export AZUREML_LOCAL_VENV_CACHE=\"$ROOT/build/venv-cache\""
  echo "export AZUREML_LOCAL_UV=\"$ROOT/build/tools/bin/uv\""
  echo "export AZUREML_PYCLIENT_PYTHON=\"$PYCLIENT/bin/python\""
} > build/env.sh
echo "prereqs: ok" >&2
