#!/usr/bin/env bash
# Model-upload throughput: `models().create_or_update` of a model from one large file (content
# hash, streaming block upload, version PUT) vs `curl -T` of the same file to the same server, in
# the same run, against the offline workspace. (Azurite has no workspace in front of it and the
# block uploader is crate-internal, so it is no target here.)
#
#   benches/upload.sh [--sizes "64 256 1024"] [--rounds N] [--baseline-bin PATH]
#
# Builds the bench_upload example (release, feature local), writes random files of each size
# (MiB) under build/bench/upload, and for every size and target runs, per round: curl -T of the
# file as one Put Blob, then the Rust upload (and the baseline build's, when given), each into
# a fresh offline workspace (its state is persisted on every write, so blobs from a previous
# upload would slow the next one) or a fresh blob name on one Azurite (disk persistence, blobs
# deleted after each upload). The table gives MiB/s, the per-round ratio Rust ÷ curl (median and
# range) and the Rust process's peak RSS, and is written to benches/results/upload.{md,json}.
# Everything started here is stopped by PID on exit; the files are deleted. Not part of the test
# suite.
set -euo pipefail

SIZES="64 256 1024"
ROUNDS=3
BASELINE=""
TARGETS="local"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --baseline-bin) BASELINE="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$ROOT/build/bench/upload"
RESULTS="$ROOT/benches/results"
mkdir -p "$WORK" "$RESULTS"
log() { printf '== %s\n' "$*" >&2; }

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log "building the Rust bench binary (release)"
cargo build --release --quiet --features local --example bench_upload
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/examples/bench_upload"

for size in $SIZES; do
    log "writing a ${size} MiB random file"
    head -c "$((size * 1024 * 1024))" /dev/urandom >"$WORK/file-$size.bin"
done

# --- servers ---------------------------------------------------------------------------------
# An offline workspace in its own folder, alive while its stdin (a FIFO we hold open) is open.
start_local() {
    local dir="$1"
    mkdir -p "$dir"
    mkfifo "$dir/stdin"
    "$BIN" serve-local --dir "$dir/ws" <"$dir/stdin" >"$dir/out" 2>"$dir/err" &
    PIDS+=("$!")
    LOCAL_PID=$!
    exec {LOCAL_FD}>"$dir/stdin"
    for _ in $(seq 300); do [[ -s "$dir/out" ]] && break; sleep 0.1; done
    LOCAL_INFO="$(head -1 "$dir/out")"
    [[ -n "$LOCAL_INFO" ]] || { echo "the offline workspace did not start: $(cat "$dir/err")" >&2; exit 1; }
}
stop_local() {
    exec {LOCAL_FD}>&-
    for _ in $(seq 100); do kill -0 "$LOCAL_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$LOCAL_PID" 2>/dev/null || true
}

json() { python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print(d'"$1"')'; }

# --- one measurement -------------------------------------------------------------------------
RUNS="$WORK/runs.jsonl"
: >"$RUNS"
curl_put() { # file url sas ca header → seconds
    local file="$1" url="$2" sas="$3" ca="$4" hdr="$5"
    local args=(-sS -o "$WORK/curl.out" -w '%{http_code} %{time_total}' -T "$file"
        -H "x-ms-blob-type: BlockBlob" -H "x-ms-version: 2025-01-05" -H "Expect:")
    [[ -n "$ca" ]] && args+=(--cacert "$ca")
    [[ -n "$hdr" ]] && args+=(-H "$hdr")
    local out
    out="$(curl "${args[@]}" "$url?$sas")"
    if [[ "${out%% *}" != "201" ]]; then
        echo "curl -T failed: $out $(head -c 500 "$WORK/curl.out")" >&2
        exit 1
    fi
    echo "${out#* }"
}

measure() { # target size round
    local target="$1" size="$2" round="$3" file="$WORK/file-$size.bin"
    local clients=("rust:$BIN")
    [[ -n "$BASELINE" ]] && clients+=("baseline:$BASELINE")
    local load
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    # curl, then each Rust build, each into a fresh workspace / a fresh blob.
    for who in curl "${clients[@]}"; do
        local name="${who%%:*}" bin="${who#*:}"
        local info base ca t sas curl_url hdr
        start_local "$WORK/local-$size-$round-$name"
        info="$LOCAL_INFO"
        base="$(json "['base']" <<<"$info")"
        ca="$(json "['ca']" <<<"$info")"
        local scope=(--subscription "$(json "['subscription']" <<<"$info")"
            --resource-group "$(json "['resource_group']" <<<"$info")"
            --workspace "$(json "['workspace']" <<<"$info")")
        local blob="blob-$size-$round-$name.bin"
        if [[ "$name" == curl ]]; then
            t="$("$BIN" target-local --base "$base" --ca "$ca" "${scope[@]}")"
            sas="$(json "['sas']" <<<"$t")"
            curl_url="$(json "['curl_container_url']" <<<"$t")"
            hdr="$(json "['curl_headers'][0]" <<<"$t")"
            local secs
            secs="$(curl_put "$file" "$curl_url/$blob" "$sas" "$ca" "$hdr")"
            printf '{"target":"%s","size_mib":%s,"round":%s,"client":"curl","seconds":%s,"load":"%s"}\n' \
                "$target" "$size" "$round" "$secs" "$load" >>"$RUNS"
        else
            local out
            out="$("$bin" upload --base "$base" --ca "$ca" "${scope[@]}" --file "$file" \
                --name "bench-$size-$round")"
            python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(target=sys.argv[2], size_mib=int(sys.argv[3]), round=int(sys.argv[4]), client=sys.argv[5], load=sys.argv[6]); print(json.dumps(d))' \
                "$out" "$target" "$size" "$round" "$name" "$load" >>"$RUNS"
        fi
        stop_local
        rm -rf "$WORK/local-$size-$round-$name"
    done
}

for size in $SIZES; do
    for target in $TARGETS; do
        for round in $(seq "$ROUNDS"); do
            log "$target, $size MiB, round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
            measure "$target" "$size" "$round"
        done
    done
done

python3 benches/support/upload_table.py "$RUNS" "$RESULTS"
