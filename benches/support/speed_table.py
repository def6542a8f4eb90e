"""The "where users wait" table: every row, today's figure (measured on main before the speed
work), the target and the newest measurement, from the JSON the benches write under
benches/results/:

  compare.json        benches/compare.sh            invoke rows (ratios to wrk, same rounds)
  local_serving.json  cargo bench --bench local_serving   offline router, deployments, tutorial
  upload.json         benches/upload.sh             model upload (ratio to curl -T, same rounds)
  upload_blocks.json  benches/upload.sh at 2c34d1d   the block uploader alone, offline workspace and Azurite

Prints the table and writes benches/results/speed.md. A bench that has not been run shows
"not measured". Each row names the command that measured it, when, and the load average then.

    python3 benches/support/speed_table.py [RESULTS_DIR]
"""
import json
import os
import sys

OK, MISSED = "✅", "❌"


def load(results, name):
    path = os.path.join(results, name)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt_ratio(r, lo_hi=None):
    if r is None:
        return "n/a"
    if lo_hi and lo_hi[0] is not None:
        return f"{r:.2f}× ({lo_hi[0]:.2f}–{lo_hi[1]:.2f})"
    return f"{r:.2f}×"


def mark(met):
    return "" if met is None else f" {OK if met else MISSED}"


def invoke_rows(compare):
    rows = []
    today = {
        "p50": "1.40–1.76× wrk (0.101–0.113 vs 0.064–0.072 ms)",
        "calls1": "0.58–0.78×",
        "calls8": "0.77× (both runs)",
    }
    what = {
        "p50": "invoke p50, 1 caller, vs `wrk` 1 connection",
        "calls1": "invoke calls/s, 1 caller, vs wrk",
        "calls8": "invoke calls/s, 8 concurrent tasks, vs wrk 8 connections",
    }
    targets = {"p50": "≤ 1.3×", "calls1": "≥ 0.8×", "calls8": "≥ 0.85×, multi-thread runtime too"}
    if not compare or "issue_rows" not in compare:
        for k in ("p50", "calls1", "calls8"):
            rows.append((what[k], today[k], targets[k], "not measured", "", ""))
        return rows
    ir = compare["issue_rows"]
    src = f"`benches/compare.sh` ({compare.get('when', '?')}, load {compare.get('load_start', '?')} → {compare.get('load_end', '?')})"
    for k in ("p50", "calls1", "calls8"):
        cur, multi = ir[k]["current"], ir[k]["multi"]
        new = (f"current-thread {fmt_ratio(cur['ratio'], cur['range'])}{mark(cur['met'])}; "
               f"multi-thread {fmt_ratio(multi['ratio'], multi['range'])}{mark(multi['met'])}")
        extra = ""
        if k == "p50":
            extra = f" ({cur['value']:.3f} vs {cur['wrk']:.3f} ms)"
        rows.append((what[k], today[k], targets[k], new + extra, src, ""))
    return rows


def offline_rows(local):
    keys = [
        ("router_overhead_p50_ms", "offline router overhead over calling `azmlinfsrv` directly, p50",
         "0.75 ms", "≤ 0.2 ms", lambda v: f"{v:.2f} ms", lambda v: v <= 0.2),
        ("warm_deploy_s", "offline: create deployment → first prediction, warm environment, seed probes",
         "~31 s (the probe delay)", "≤ 3 s", lambda v: f"{v:.1f} s", lambda v: v <= 3.0),
        ("cold_deploy_s", "offline: the same with an empty environment cache",
         "~45 s", "≤ 15 s", lambda v: f"{v:.1f} s", lambda v: v <= 15.0),
        ("tutorial_s", "README main command (`cargo run --features local --example tutorial`), compiled, warm cache",
         "~100 s", "≤ 20 s", lambda v: f"{v:.1f} s", lambda v: v <= 20.0),
    ]
    rows = []
    for key, what, today, target, show, check in keys:
        v = (local or {}).get(key)
        if v is None:
            rows.append((what, today, target, "not measured", "", ""))
            continue
        src = (f"`cargo bench --features local --bench local_serving` ({local.get('when', '?')}, "
               f"load {local.get('load', '?')})")
        rows.append((what, today, target, show(v) + mark(check(v)), src, ""))
    return rows


def upload_rows(upload):
    what = "model upload, {size} MiB file, to the {target}, vs `curl -T` to the same server"
    names = {"local": "offline workspace", "azurite": "Azurite"}
    if not upload or not upload.get("table"):
        return [(what.format(size=1024, target="offline workspace and Azurite"), "not measured",
                 "≥ 0.8×; RSS flat in file size", "not measured", "", "")]
    rows = []
    loads = sorted({r["load"].split()[0] for r in upload.get("runs", [])}, key=float)
    load = f"{loads[0]}–{loads[-1]}" if loads else "?"
    src = f"`benches/upload.sh` ({upload.get('when', '?')}, load {load})"
    rss = {}
    for e in upload["table"]:
        rss.setdefault(e["target"], []).append((e["size_mib"], e["rust_peak_rss_mib"]))
    for e in upload["table"]:
        sizes = sorted(rss[e["target"]])
        flat = ", ".join(f"{m:.0f} MiB at {s} MiB" for s, m in sizes)
        new = (f"{fmt_ratio(e['rust_vs_curl'], e.get('rust_vs_curl_range'))}{mark(e['met'])} "
               f"({e['rust_mib_per_s']:.0f} vs {e['curl_mib_per_s']:.0f} MiB/s); peak RSS {flat}")
        rows.append((what.format(size=e["size_mib"], target=names.get(e["target"], e["target"])),
                     "not measured", "≥ 0.8×; RSS flat in file size", new, src, ""))
    return rows


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "results")
    compare = load(results, "compare.json")
    local = load(results, "local_serving.json")
    upload = load(results, "upload.json")
    blocks = load(results, "upload_blocks.json")
    rows = invoke_rows(compare) + offline_rows(local) + upload_rows(upload)
    if blocks:
        # The block uploader alone (BlobContainer::upload_file, before it became crate-internal),
        # against the offline workspace and Azurite: upload_blocks.md.
        rows += [(what + " (block uploader alone)", today, target, new, src.replace("`benches/upload.sh`", "`benches/upload.sh` at 2c34d1d"), x)
                 for what, today, target, new, src, x in upload_rows(blocks)]
    lines = ["| what | today (main before) | target | new | measured by |", "|---|---|---|---|---|"]
    for what, today, target, new, src, _ in rows:
        lines.append(f"| {what} | {today} | {target} | {new} | {src} |")
    notes = [
        "",
        "Ratios are taken within one run: each round measures the client and its reference (wrk, "
        "curl -T, the direct azmlinfsrv call) back to back, so load from other jobs on this shared "
        "2-core machine hits both; the median ratio over rounds is shown with its range. Load "
        "averages are 1/5/15 min (`uptime`). Details: compare.md, local_serving.md, upload.md.",
    ]
    markdown = "\n".join(lines + notes) + "\n"
    print(markdown)
    with open(os.path.join(results, "speed.md"), "w") as f:
        f.write(markdown)


if __name__ == "__main__":
    main()
