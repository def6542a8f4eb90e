"""Runs the side-by-side scoring benchmark against an already running loopback nginx and prints
one table (also written as Markdown and JSON under benches/results/).

Called by benches/compare.sh, which sets up the server, the certificates, the venv and the Rust
binary. Every phase is bounded (a fixed number of calls or a fixed wrk duration, and a timeout
on every child process). HTTP requests per invoke are counted from nginx's access log.

The machine is shared, so Rust-vs-wrk figures are ratios taken within one round (wrk, then the
Rust client on each runtime, back to back, each about a second long), over several rounds; the
table shows the median ratio and the range over rounds. With --baseline-bin, an older build of
bench_invoke runs in the same rounds (its rows show what changed).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter

CHILD_TIMEOUT_S = 600


def log_lines(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


class AccessLog:
    """Counts the requests nginx logged during a phase."""

    def __init__(self, path):
        self.path = path
        self.mark = len(log_lines(path))

    def since_mark(self):
        lines = log_lines(self.path)
        new = lines[self.mark:]
        self.mark = len(lines)
        return new


def kinds(lines):
    """Requests by kind: score, or the ARM operation."""
    counts = Counter()
    for line in lines:
        parts = line.split()
        if len(parts) < 2:
            continue
        method, uri = parts[0], parts[1]
        if uri == "/score":
            counts["score"] += 1
        elif uri.endswith("/listKeys"):
            counts["arm listKeys"] += 1
        elif uri.endswith("/token"):
            counts["arm token"] += 1
        elif uri.endswith("/deployments"):
            counts["arm list deployments"] += 1
        elif "/onlineEndpoints/" in uri:
            counts["arm get endpoint"] += 1
        else:
            counts[f"other {method} {uri}"] += 1
    return dict(counts)


def run_json(cmd, env=None):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_start_ms(cmd, runs, env=None):
    """Median wall time from process start to its first line of output (the prediction)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            elapsed = (time.perf_counter() - started) * 1000.0
            proc.wait(timeout=CHILD_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or not line.strip():
            sys.exit(f"cold start failed: {' '.join(cmd)}\n{proc.stderr.read()[-4000:]}")
        times.append(elapsed)
    return statistics.median(times)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url, script, connections, threads, seconds):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        sys.exit(f"wrk failed:\n{out.stderr}")
    text = out.stdout
    result = {"raw": text}
    for p in ("50", "90", "99"):
        m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        result[f"p{p}_ms"] = float(m.group(1)) * UNITS[m.group(2)] if m else None
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result["req_per_s"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", text)
    result["requests"] = int(m.group(1)) if m else None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def fmt(value, digits=2, unit=""):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}{unit}"
        if value >= 100:
            return f"{value:.0f}{unit}"
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    return (min(values), max(values)) if values else (None, None)


def loadavg():
    return "%.2f / %.2f / %.2f" % os.getloadavg()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--access-log", required=True)
    ap.add_argument("--rust-bin", required=True)
    ap.add_argument("--baseline-bin")
    ap.add_argument("--python", required=True)
    ap.add_argument("--wrk-script", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--no-python", action="store_true")
    args = ap.parse_args()

    quick = args.quick
    rounds = args.rounds or (3 if quick else 7)
    # About one second per phase at the rates this machine reaches, so that load from other
    # jobs hits wrk and the Rust client alike within a round.
    wrk_secs = 1
    rust_seq, rust_conc = (6000, 16000) if quick else (12000, 32000)
    py_seq, py_conc = (60, 64) if quick else (300, 320)
    rust_cold_runs, py_cold_runs = (5, 2) if quick else (15, 5)

    log = AccessLog(args.access_log)
    url = args.base.rstrip("/") + "/score"
    py_env = dict(os.environ, REQUESTS_CA_BUNDLE=args.ca)
    results = {
        "config": {"rounds": rounds, "wrk_seconds": wrk_secs, "rust_seq": rust_seq, "rust_conc": rust_conc,
                   "python_seq": py_seq, "python_conc": py_conc, "concurrency": 8},
        "load_start": loadavg(),
        "rounds": [],
    }

    def rust(binary, runtime):
        cmd = [binary, "--base", args.base, "--ca", args.ca, "--runtime", runtime,
               "--mode", "run", "--seq", str(rust_seq), "--conc", str(rust_conc), "--tasks", "8"]
        out = run_json(cmd)
        lines = log.since_mark()
        out["http_requests"] = kinds(lines)
        out["requests_per_invoke"] = len(lines) / out["invokes"]
        return out

    clients = [("rust_current", args.rust_bin, "current"), ("rust_multi", args.rust_bin, "multi")]
    if args.baseline_bin:
        clients += [("base_current", args.baseline_bin, "current"), ("base_multi", args.baseline_bin, "multi")]
    for r in range(rounds):
        print(f"round {r + 1}/{rounds} (load {loadavg()}) ...", file=sys.stderr)
        rnd = {"load": loadavg()}
        rnd["wrk_c1"] = wrk(url, args.wrk_script, 1, 1, wrk_secs)
        log.since_mark()
        for name, binary, runtime in clients:
            rnd[name] = rust(binary, runtime)
        rnd["wrk_c8"] = wrk(url, args.wrk_script, 8, 2, wrk_secs)
        log.since_mark()
        for w in ("wrk_c1", "wrk_c8"):
            rnd[w].pop("raw", None)
            if rnd[w]["non_2xx"]:
                sys.exit(f"wrk got {rnd[w]['non_2xx']} non-2xx answers: its request is wrong")
        results["rounds"].append(rnd)

    rust_cmd = [args.rust_bin, "--base", args.base, "--ca", args.ca, "--runtime", "current"]
    print("rust: cold starts ...", file=sys.stderr)
    cold = {"cold_start_ms": cold_start_ms(rust_cmd + ["--mode", "cold"], rust_cold_runs)}
    cold_lines = log.since_mark()
    cold["cold_requests_per_process"] = len(cold_lines) / rust_cold_runs
    cold["cold_http_requests"] = kinds(cold_lines)
    results["rust_cold"] = cold

    if not args.no_python:
        py_cmd = [args.python, "benches/support/python_invoke.py", "--base", args.base]
        for name, extra in (("python_pinned", []), ("python_unpinned", ["--unpinned"])):
            print(f"{name}: sequential + 8 threads ...", file=sys.stderr)
            py = run_json(py_cmd + ["--mode", "run", "--seq", str(py_seq), "--conc", str(py_conc), "--threads", "8"]
                          + extra, env=py_env)
            lines = log.since_mark()
            py["http_requests"] = kinds(lines)
            py["requests_per_invoke"] = len(lines) / py["invokes"]
            print(f"{name}: cold starts ...", file=sys.stderr)
            py["cold_start_ms"] = cold_start_ms(py_cmd + ["--mode", "cold"] + extra, py_cold_runs, env=py_env)
            log.since_mark()
            results[name] = py
    results["load_end"] = loadavg()
    write_table(results, args.results)


def per_round(results, client, metric, wrk_key, wrk_metric):
    """(median over rounds of the client's metric, median of client/wrk per round, (min, max) of that ratio)."""
    values, ratios = [], []
    for rnd in results["rounds"]:
        if client not in rnd:
            continue
        v = rnd[client][metric]
        values.append(v)
        ratios.append(ratio(v, rnd[wrk_key][wrk_metric]))
    return median(values), median(ratios), spread(ratios)


def fmt_ratio(value, lo_hi):
    if value is None:
        return "n/a"
    lo, hi = lo_hi
    return f"{value:.2f}× ({lo:.2f}–{hi:.2f})"


def write_table(results, out_dir):
    rounds = results["rounds"]
    have_base = "base_current" in rounds[0]
    w1 = lambda m: median([r["wrk_c1"][m] for r in rounds])
    w8 = lambda m: median([r["wrk_c8"][m] for r in rounds])
    # (label, client, metric, wrk key, wrk metric, higher is better, target, check on the median ratio)
    invoke_rows = [
        ("p50 latency, 1 caller, current-thread (ms)", "current", "p50_ms", "wrk_c1", "p50_ms", False, "<= 1.3x wrk", lambda x: x <= 1.3),
        ("p50 latency, 1 caller, multi-thread (ms)", "multi", "p50_ms", "wrk_c1", "p50_ms", False, "<= 1.3x wrk", lambda x: x <= 1.3),
        ("p90 latency, 1 caller, current-thread (ms)", "current", "p90_ms", "wrk_c1", "p90_ms", False, "", None),
        ("p99 latency, 1 caller, current-thread (ms)", "current", "p99_ms", "wrk_c1", "p99_ms", False, "", None),
        ("calls/s, 1 caller, current-thread", "current", "calls_per_s_1", "wrk_c1", "req_per_s", True, ">= 0.8x wrk", lambda x: x >= 0.8),
        ("calls/s, 1 caller, multi-thread", "multi", "calls_per_s_1", "wrk_c1", "req_per_s", True, ">= 0.8x wrk", lambda x: x >= 0.8),
        ("calls/s, 8 tasks, current-thread", "current", "calls_per_s_conc", "wrk_c8", "req_per_s", True, ">= 0.85x wrk (8 connections)", lambda x: x >= 0.85),
        ("calls/s, 8 tasks, multi-thread", "multi", "calls_per_s_conc", "wrk_c8", "req_per_s", True, ">= 0.85x wrk (8 connections)", lambda x: x >= 0.85),
    ]
    header = "| metric | Rust ScoringClient | wrk | Rust ÷ wrk, median (range) | target |"
    cols = 5
    if have_base:
        header = ("| metric | Rust ScoringClient | wrk | Rust ÷ wrk, median (range) | target | "
                  "before (baseline build) | before ÷ wrk, median (range) |")
        cols = 7
    lines = [header, "|" + "---|" * cols]
    table_json = []
    for label, rt, metric, wk, wm, higher, target, check in invoke_rows:
        value, r, rng = per_round(results, f"rust_{rt}", metric, wk, wm)
        wrk_value = w1(wm) if wk == "wrk_c1" else w8(wm)
        ok = None if check is None or r is None else check(r)
        mark = "" if ok is None else (" ✅" if ok else " ❌")
        digits = 3 if metric.endswith("_ms") else 0
        row = f"| {label} | {fmt(value, digits)} | {fmt(wrk_value, digits)} | {fmt_ratio(r, rng)} | {target}{mark} |"
        entry = {"metric": label, "rust": value, "wrk": wrk_value, "rust_vs_wrk": r, "rust_vs_wrk_range": rng,
                 "target": target, "met": ok}
        if have_base:
            bvalue, br, brng = per_round(results, f"base_{rt}", metric, wk, wm)
            row += f" {fmt(bvalue, digits)} | {fmt_ratio(br, brng)} |"
            entry.update({"baseline": bvalue, "baseline_vs_wrk": br, "baseline_vs_wrk_range": brng})
        lines.append(row)
        table_json.append(entry)

    cur = [r["rust_current"] for r in rounds]
    peak_rss = max(c["peak_rss_mib"] for c in cur + [r["rust_multi"] for r in rounds])
    reqs = {}
    for c in cur:
        for k, v in c["http_requests"].items():
            reqs[k] = reqs.get(k, 0) + v
    per_invoke = sum(c["requests_per_invoke"] * c["invokes"] for c in cur) / sum(c["invokes"] for c in cur)
    cold = results["rust_cold"]

    lines += ["", "| metric | Rust ScoringClient | Python pinned | Python unpinned | Rust vs Python pinned | target |",
              "|---|---|---|---|---|---|"]
    pp, pu = results.get("python_pinned"), results.get("python_unpinned")
    g = lambda d, k: d[k] if d else None
    py_rows = [
        ("HTTP requests per invoke", per_invoke, g(pp, "requests_per_invoke"), g(pu, "requests_per_invoke"), False,
         "1", per_invoke < 1.01),
        ("p50 latency, 1 caller (ms)", median([c["p50_ms"] for c in cur]), g(pp, "p50_ms"), g(pu, "p50_ms"), False, "", None),
        ("calls/s, 8 concurrent", median([c["calls_per_s_conc"] for c in cur]), g(pp, "calls_per_s_conc"),
         g(pu, "calls_per_s_conc"), True, ">= 50x Python", None),
        ("cold start -> first prediction (ms)", cold["cold_start_ms"], g(pp, "cold_start_ms"), g(pu, "cold_start_ms"),
         False, "<= 50 ms", cold["cold_start_ms"] <= 50),
        ("peak RSS (MiB)", peak_rss, g(pp, "peak_rss_mib"), g(pu, "peak_rss_mib"), False, "<= 20 MiB", peak_rss <= 20),
    ]
    for label, r, p, u, higher, target, ok in py_rows:
        vs_py = ratio(r, p) if higher else ratio(p, r)
        if label.startswith("calls/s") and vs_py is not None:
            ok = vs_py >= 50
        mark = "" if ok is None else (" ✅" if ok else " ❌")
        lines.append(f"| {label} | {fmt(r, 3)} | {fmt(p)} | {fmt(u)} | {fmt(vs_py, 1, '× better')} | {target}{mark} |")
        table_json.append({"metric": label, "rust": r, "python_pinned": p, "python_unpinned": u,
                           "rust_vs_python": vs_py, "target": target, "met": ok})
    cfg = results["config"]
    notes = [
        "",
        f"Same loopback TLS nginx (1 worker, HTTP/1.1, static JSON, access log on) for every client. "
        f"{cfg['rounds']} rounds; each round runs wrk for {cfg['wrk_seconds']} s at 1 connection, the Rust client "
        f"({cfg['rust_seq']} sequential calls, then {cfg['rust_conc']} over 8 tokio tasks) on a current-thread and on a "
        "multi-thread runtime" + (", the baseline build the same way" if have_base else "") +
        f", then wrk for {cfg['wrk_seconds']} s at 8 connections (2 threads). Rust and wrk values are medians over "
        "rounds; 'Rust ÷ wrk' is the median of the per-round ratios, with their range. wrk sends the same POST "
        "(body, Content-Type, Authorization, azureml-model-deployment) as the clients. "
        f"Rust requests (current-thread rounds): {reqs}; cold start: {cold['cold_requests_per_process']:.0f} "
        "requests per process (endpoint GET, listKeys, score)."
        + (f" Python azure-ai-ml: {cfg['python_seq']} sequential, then {cfg['python_conc']} over 8 threads."
           if pp else " Python not run (--no-python)."),
        f"Machine load average (1/5/15 min, on {os.cpu_count() or 0} cores shared with other jobs): "
        f"{results['load_start']} at the start, {results['load_end']} at the end; per round: "
        + ", ".join(r["load"].split(" / ")[0] for r in rounds) + " (1 min).",
    ]
    markdown = "\n".join(lines + notes) + "\n"
    print(markdown)
    os.makedirs(out_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with open(os.path.join(out_dir, "compare.md"), "w") as f:
        f.write(markdown)
    issue_rows = {}
    for key, metric, wk, wm, check in (
        ("p50", "p50_ms", "wrk_c1", "p50_ms", lambda x: x <= 1.3),
        ("calls1", "calls_per_s_1", "wrk_c1", "req_per_s", lambda x: x >= 0.8),
        ("calls8", "calls_per_s_conc", "wrk_c8", "req_per_s", lambda x: x >= 0.85),
    ):
        issue_rows[key] = {}
        for rt in ("current", "multi"):
            value, r, rng = per_round(results, f"rust_{rt}", metric, wk, wm)
            issue_rows[key][rt] = {"value": value, "wrk": w1(wm) if wk == "wrk_c1" else w8(wm), "ratio": r,
                                   "range": rng, "met": None if r is None else check(r)}
    payload = dict(results, table=table_json, issue_rows=issue_rows, when=stamp)
    with open(os.path.join(out_dir, "compare.json"), "w") as f:
        json.dump(payload, f, indent=2)
    # Every row of the speed table, this run's invoke rows with the other benches' latest.
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "speed_table.py"), out_dir],
                   check=False, timeout=60)


if __name__ == "__main__":
    main()
