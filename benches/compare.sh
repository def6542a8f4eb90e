#!/usr/bin/env bash
# Side-by-side scoring benchmark: azure_ai_ml's ScoringClient vs Python azure-ai-ml's
# online_endpoints.invoke() vs wrk, against one loopback TLS nginx in the same run.
#
#   benches/compare.sh [--quick] [--rounds N] [--baseline-bin PATH] [--no-python]
#
# --baseline-bin runs an older build of the bench_invoke example in the same rounds (e.g. one
# built from main), so a change shows as before/after ratios measured under the same load.
#
# Installs what it lacks (nginx and wrk from Debian, azure-ai-ml into build/bench/venv), makes a
# throw-away CA and server certificate with openssl, starts nginx on 127.0.0.1 (ARM-shaped
# answers for workspace/endpoint/deployments/listKeys/token, and /score), builds the Rust bench
# binary in release mode, runs every client, prints one table and writes it to
# benches/results/compare.{md,json}. nginx is stopped by its PID on exit, whatever happens.
# Not part of the test suite.
set -euo pipefail

ARGS=("$@")
NO_PYTHON=""
for a in "$@"; do [[ "$a" == "--no-python" ]] && NO_PYTHON=1; done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$ROOT/build/bench"
NGINX_DIR="$WORK/nginx"
RESULTS="$ROOT/benches/results"
mkdir -p "$WORK" "$NGINX_DIR/tmp" "$RESULTS"

log() { printf '== %s\n' "$*" >&2; }

# --- tools ----------------------------------------------------------------------------------
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    log "installing nginx and wrk (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
fi
NGINX="$(command -v nginx)"
PYTHON_SYS="$(command -v python3)"

VENV="$WORK/venv"
if [[ -z "$NO_PYTHON" ]] && ! "$VENV/bin/python" -c "import azure.ai.ml" 2>/dev/null; then
    log "installing azure-ai-ml into $VENV"
    "$PYTHON_SYS" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "azure-ai-ml==1.35.2"
fi

# --- certificates (a fresh CA each run; nothing is trusted system-wide) ----------------------
CERTS="$WORK/certs"
mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$CERTS/ca.key" -out "$CERTS/ca.pem" -subj "/CN=azure_ai_ml bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$CERTS/server.key" -out "$CERTS/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" >"$CERTS/server.ext"
openssl x509 -req -in "$CERTS/server.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" -CAcreateserial \
    -days 2 -out "$CERTS/server.pem" -extfile "$CERTS/server.ext" 2>/dev/null

# --- the Rust bench binary -------------------------------------------------------------------
log "building the Rust bench binary (release)"
cargo build --release --quiet --example bench_invoke
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
RUST_BIN="$TARGET_DIR/release/examples/bench_invoke"

# --- nginx -----------------------------------------------------------------------------------
PORT="$("$PYTHON_SYS" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="https://127.0.0.1:$PORT"
ARM_PREFIX="/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+"
body() { sed "s#@BASE@#$BASE#g" "$ROOT/benches/support/arm/$1" | tr -d '\n'; }

cat >"$NGINX_DIR/nginx.conf" <<EOF
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
    log_format bench '\$request_method \$uri \$status';
    access_log $NGINX_DIR/access.log bench;
    client_body_temp_path $NGINX_DIR/tmp/body;
    proxy_temp_path $NGINX_DIR/tmp/proxy;
    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
    scgi_temp_path $NGINX_DIR/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    default_type application/json;
    server {
        listen 127.0.0.1:$PORT ssl;
        ssl_certificate $CERTS/server.pem;
        ssl_certificate_key $CERTS/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /score { return 200 '[1, 0]'; }
        location ~ ^$ARM_PREFIX/onlineEndpoints/[^/]+/deployments\$ { return 200 '$(body deployments.json)'; }
        location ~ ^$ARM_PREFIX/onlineEndpoints/[^/]+/listKeys\$ { return 200 '$(body keys.json)'; }
        location ~ ^$ARM_PREFIX/onlineEndpoints/[^/]+/token\$ { return 200 '$(body token.json)'; }
        location ~ ^$ARM_PREFIX/onlineEndpoints/[^/]+\$ { return 200 '$(body endpoint.json)'; }
        location ~ ^$ARM_PREFIX\$ { return 200 '$(body workspace.json)'; }
        location / { return 404 '{"error": {"code": "NotFound", "message": "not served by the bench"}}'; }
    }
}
EOF
: >"$NGINX_DIR/access.log"

stop_nginx() {
    if [[ -s "$NGINX_DIR/nginx.pid" ]]; then
        local pid
        pid="$(cat "$NGINX_DIR/nginx.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
}
trap stop_nginx EXIT
log "starting nginx on $BASE"
"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log"
for _ in $(seq 50); do [[ -s "$NGINX_DIR/nginx.pid" ]] && break; sleep 0.1; done

# --- wrk request: the same body and headers the clients send -------------------------------
KEY="$("$PYTHON_SYS" -c 'import json,sys; print(json.load(open(sys.argv[1]))["primaryKey"])' benches/support/arm/keys.json)"
# The body goes in a level-2 long bracket: the JSON contains "]]", which ends a plain [[...]]
# (wrk then silently ran its default GET without body or headers).
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = [==[$(tr -d '\n' <benches/support/sample-request.json)]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["azureml-model-deployment"] = "blue"
EOF

# --- run -------------------------------------------------------------------------------------
"$PYTHON_SYS" benches/support/run_compare.py "${ARGS[@]}" \
    --base "$BASE" --ca "$CERTS/ca.pem" --access-log "$NGINX_DIR/access.log" \
    --rust-bin "$RUST_BIN" --python "$VENV/bin/python" --wrk-script "$WORK/post.lua" \
    --results "$RESULTS"
