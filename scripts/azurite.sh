#!/usr/bin/env bash
# Azurite (the Azure Storage emulator, npm package `azurite`) for the storage tests.
#
#   scripts/azurite.sh install   install it into build/azurite (idempotent)
#   scripts/azurite.sh start     install if needed, then run azurite-blob in the foreground on
#                                127.0.0.1 with a free port; the port is printed on the first
#                                line of stdout ("port=NNNNN"). Stop it with Ctrl-C / SIGTERM.
#   scripts/azurite.sh bin       print the path of the azurite-blob executable
#
# Data lives in memory only, telemetry is off, and it listens on loopback only. The Rust tests
# (tests/storage_azurite.rs) start and stop their own instance from build/azurite; set
# AZURITE_BLOB_BIN to use another executable.
set -euo pipefail

VERSION="3.35.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/build/azurite"
BIN="$PREFIX/node_modules/.bin/azurite-blob"

install() {
  if [[ -x "$BIN" ]] && [[ "$("$BIN" --version 2>/dev/null)" == "$VERSION" ]]; then
    return 0
  fi
  command -v npm >/dev/null || { echo "azurite.sh: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
  mkdir -p "$PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$PREFIX" "azurite@$VERSION" >&2
}

case "${1:-start}" in
  install) install ;;
  bin) echo "$BIN" ;;
  start)
    install
    # Port 0: the OS picks a free port; Azurite reports it as "listens on http://127.0.0.1:PORT".
    "$BIN" --blobHost 127.0.0.1 --blobPort 0 --inMemoryPersistence --skipApiVersionCheck \
      --loose --disableTelemetry 2>&1 | while IFS= read -r line; do
        if [[ "$line" =~ listens\ on\ http://127\.0\.0\.1:([0-9]+) ]]; then
          echo "port=${BASH_REMATCH[1]}"
        fi
        echo "$line"
      done
    ;;
  *) echo "usage: $0 [install|start|bin]" >&2; exit 2 ;;
esac
