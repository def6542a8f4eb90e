"""Turns benches/upload.sh's measurements (one JSON object per line) into the upload table,
printed and written to benches/results/upload.{md,json}.

Per size and target: MiB/s of curl -T (one Put Blob of the whole file) and of the Rust streaming
block upload (and of a baseline build, when measured), the per-round ratio Rust ÷ curl (median
and range over rounds: each round measures both back to back, so load from other jobs on this
shared machine hits both), and the Rust process's peak RSS (VmHWM).
"""
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    runs_path, out_dir = sys.argv[1], sys.argv[2]
    runs = [json.loads(line) for line in open(runs_path) if line.strip()]
    for r in runs:
        if "mib_per_s" not in r:
            r["mib_per_s"] = r["size_mib"] / r["seconds"]
    keys = sorted({(r["target"], r["size_mib"]) for r in runs}, key=lambda k: (k[0], k[1]))
    has_base = any(r["client"] == "baseline" for r in runs)
    head = ("| target | file (MiB) | curl -T (MiB/s) | Rust upload (MiB/s) | Rust ÷ curl, median (range) "
            "| target | Rust peak RSS (MiB) |")
    cols = 7
    if has_base:
        head += " before: MiB/s | before ÷ curl | before peak RSS (MiB) |"
        cols += 3
    lines = [head, "|" + "---|" * cols]
    table = []
    for target, size in keys:
        rows = [r for r in runs if r["target"] == target and r["size_mib"] == size]
        rounds = sorted({r["round"] for r in rows})

        def by(client):
            return {r["round"]: r for r in rows if r["client"] == client}

        curl, rust, base = by("curl"), by("rust"), by("baseline")

        def summary(client_runs):
            ratios = [client_runs[n]["mib_per_s"] / curl[n]["mib_per_s"] for n in rounds if n in client_runs and n in curl]
            speeds = [client_runs[n]["mib_per_s"] for n in rounds if n in client_runs]
            rss = max((client_runs[n]["peak_rss_mib"] for n in rounds if n in client_runs), default=None)
            if not ratios:
                return None, None, (None, None), rss
            return statistics.median(speeds), statistics.median(ratios), (min(ratios), max(ratios)), rss

        curl_speed = statistics.median([c["mib_per_s"] for c in curl.values()])
        speed, ratio, (lo, hi), rss = summary(rust)
        ok = ratio is not None and ratio >= 0.8
        line = (f"| {target} | {size} | {curl_speed:.0f} | {speed:.0f} | {ratio:.2f}× ({lo:.2f}–{hi:.2f}) | "
                f">= 0.8x curl {'✅' if ok else '❌'} | {rss:.1f} |")
        entry = {"target": target, "size_mib": size, "curl_mib_per_s": curl_speed, "rust_mib_per_s": speed,
                 "rust_vs_curl": ratio, "rust_vs_curl_range": [lo, hi], "rust_peak_rss_mib": rss, "met": ok}
        if has_base:
            bspeed, bratio, (blo, bhi), brss = summary(base)
            if bratio is None:
                line += " n/a | n/a | n/a |"
            else:
                line += f" {bspeed:.0f} | {bratio:.2f}× ({blo:.2f}–{bhi:.2f}) | {brss:.1f} |"
            entry.update({"baseline_mib_per_s": bspeed, "baseline_vs_curl": bratio, "baseline_peak_rss_mib": brss})
        lines.append(line)
        table.append(entry)
    loads = sorted({r["load"].split()[0] for r in runs}, key=float)
    notes = [
        "",
        "Same server, same file, back to back in each round: curl -T sends the file as one Put Blob to a SAS "
        "container of the workspace; the Rust client registers a model from the file "
        "(models().create_or_update: the content hash, the streaming block upload to the default datastore, "
        "8 MiB blocks, 4 in flight, the whole blob's MD5 on the block list; the model version PUT). A fresh "
        "offline workspace per upload (HTTPS, its own CA; it keeps blobs in memory and rewrites its state "
        "file, blobs included, after every write). Peak RSS is the Rust process's VmHWM.",
        f"Machine load average (1 min) during the runs, on {os.cpu_count() or 0} cores shared with other jobs: "
        f"{loads[0]}–{loads[-1]}.",
    ]
    markdown = "\n".join(lines + notes) + "\n"
    print(markdown)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "upload.md"), "w") as f:
        f.write(markdown)
    with open(os.path.join(out_dir, "upload.json"), "w") as f:
        json.dump({"when": time.strftime("%Y%m%dT%H%M%S"), "table": table, "runs": runs}, f, indent=2)
    # Every row of the speed table, this run's upload rows with the other benches' latest.
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "speed_table.py"), out_dir],
                   check=False, timeout=60)


if __name__ == "__main__":
    main()
