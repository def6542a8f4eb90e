#!/usr/bin/env bash
# Prerequisites of the offline workspace's tests (feature `local`): python3 with the venv module
# and pip. The tests build their venvs themselves (from PyPI) into one shared cache under the
# build folder ($CARGO_TARGET_DIR/tmp/local-venvs, or $AZUREML_LOCAL_VENV_CACHE), so CI installs
# each environment once per machine.
set -euo pipefail

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
echo "offline workspace prerequisites OK"
