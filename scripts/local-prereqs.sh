#!/usr/bin/env bash
# Prerequisites of the offline workspace's tests (feature `local`): python3 with the venv module
# and pip, and uv (which builds the workspace's venvs several times faster than pip) in a venv
# of its own under ./build (build/tools/bin/uv; scripts/prereqs.sh exports it as
# AZUREML_LOCAL_UV). The tests build their venvs themselves (from PyPI) into one shared cache
# under the build folder ($CARGO_TARGET_DIR/tmp/local-venvs, or $AZUREML_LOCAL_VENV_CACHE), so CI
# installs each environment once per machine. Idempotent; quick when everything is in place.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Pinned so CI runs the uv the tests were written against; raising it is a one-line change.
UV_VERSION="0.13.9"
TOOLS="$ROOT/build/tools"
UV="$TOOLS/bin/uv"

need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" python3-pip
  else
    echo "install ${need_apt[*]} (Python 3.9-3.12 with venv) and re-run" >&2
    exit 1
  fi
fi
python3 --version
python3 -m venv --help >/dev/null

if [[ "$("$UV" --version 2>/dev/null)" != "uv $UV_VERSION"* ]]; then
  echo "local-prereqs: installing uv $UV_VERSION into $TOOLS" >&2
  [ -x "$TOOLS/bin/pip" ] || python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
"$UV" --version
echo "offline workspace prerequisites OK"
