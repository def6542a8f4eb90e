"""Runs the side-by-side scoring benchmark against an already running loopback nginx and prints
one table (also written as Markdown and JSON under benches/results/).

Called by benches/compare.sh, which sets up the server, the certificates, the venv and the Rust
binary. Every phase is bounded (a fixed number of calls or a fixed wrk duration, and a timeout
on every child process). HTTP requests per invoke are counted from nginx's access log.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--access-log", required=True)
    ap.add_argument("--rust-bin", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--wrk-script", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    quick = args.quick
    wrk_secs = 3 if quick else 10
    rust_seq, rust_conc = (2000, 8000) if quick else (10000, 40000)
    py_seq, py_conc = (60, 64) if quick else (300, 320)
    rust_cold_runs, py_cold_runs = (5, 2) if quick else (15, 5)

    log = AccessLog(args.access_log)
    url = args.base.rstrip("/") + "/score"
    py_env = dict(os.environ, REQUESTS_CA_BUNDLE=args.ca)
    results = {"config": {"wrk_seconds": wrk_secs, "rust_seq": rust_seq, "rust_conc": rust_conc,
                          "python_seq": py_seq, "python_conc": py_conc, "concurrency": 8}}

    print("wrk: 1 connection ...", file=sys.stderr)
    results["wrk_c1"] = wrk(url, args.wrk_script, 1, 1, wrk_secs)
    log.since_mark()
    print("wrk: 8 connections ...", file=sys.stderr)
    results["wrk_c8"] = wrk(url, args.wrk_script, 8, 2, wrk_secs)
    log.since_mark()

    # A current-thread tokio runtime: on this 2-core machine nginx needs the other core, and one
    # thread avoids cross-thread wake-ups (the multi-thread runtime measured ~1.6x slower here).
    rust_cmd = [args.rust_bin, "--base", args.base, "--ca", args.ca, "--runtime", "current"]
    print("rust: sequential + 8 tasks ...", file=sys.stderr)
    rust = run_json(rust_cmd + ["--mode", "run", "--seq", str(rust_seq), "--conc", str(rust_conc), "--tasks", "8"])
    lines = log.since_mark()
    rust["http_requests"] = kinds(lines)
    rust["requests_per_invoke"] = len(lines) / rust["invokes"]
    print("rust: cold starts ...", file=sys.stderr)
    rust["cold_start_ms"] = cold_start_ms(rust_cmd + ["--mode", "cold"], rust_cold_runs)
    cold_lines = log.since_mark()
    rust["cold_requests_per_process"] = len(cold_lines) / rust_cold_runs
    rust["cold_http_requests"] = kinds(cold_lines)
    results["rust"] = rust

    py_cmd = [args.python, "benches/support/python_invoke.py", "--base", args.base]
    for name, extra in (("python_pinned", []), ("python_unpinned", ["--unpinned"])):
        print(f"{name}: sequential + 8 threads ...", file=sys.stderr)
        py = run_json(py_cmd + ["--mode", "run", "--seq", str(py_seq), "--conc", str(py_conc), "--threads", "8"] + extra,
                      env=py_env)
        lines = log.since_mark()
        py["http_requests"] = kinds(lines)
        py["requests_per_invoke"] = len(lines) / py["invokes"]
        print(f"{name}: cold starts ...", file=sys.stderr)
        py["cold_start_ms"] = cold_start_ms(py_cmd + ["--mode", "cold"] + extra, py_cold_runs, env=py_env)
        log.since_mark()
        results[name] = py

    write_table(results, args.results)


def write_table(results, out_dir):
    rust, pp, pu = results["rust"], results["python_pinned"], results["python_unpinned"]
    w1, w8 = results["wrk_c1"], results["wrk_c8"]
    # (label, rust, python pinned, python unpinned, wrk, higher_is_better, target text, target check)
    rows = [
        ("HTTP requests per invoke", rust["requests_per_invoke"], pp["requests_per_invoke"],
         pu["requests_per_invoke"], 1.0, False, "1", rust["requests_per_invoke"] < 1.01),
        ("p50 latency, 1 caller (ms)", rust["p50_ms"], pp["p50_ms"], pu["p50_ms"], w1["p50_ms"], False,
         "<= 1.3x wrk", ratio(rust["p50_ms"], w1["p50_ms"]) is not None and ratio(rust["p50_ms"], w1["p50_ms"]) <= 1.3),
        ("p90 latency, 1 caller (ms)", rust["p90_ms"], pp["p90_ms"], pu["p90_ms"], w1["p90_ms"], False, "", None),
        ("p99 latency, 1 caller (ms)", rust["p99_ms"], pp["p99_ms"], pu["p99_ms"], w1["p99_ms"], False, "", None),
        ("calls/s, 1 caller", rust["calls_per_s_1"], pp["calls_per_s_1"], pu["calls_per_s_1"], w1["req_per_s"], True, "", None),
        ("calls/s, 8 concurrent", rust["calls_per_s_conc"], pp["calls_per_s_conc"], pu["calls_per_s_conc"],
         w8["req_per_s"], True, ">= 70% wrk, >= 50x Python",
         (ratio(rust["calls_per_s_conc"], w8["req_per_s"]) or 0) >= 0.7
         and (ratio(rust["calls_per_s_conc"], pp["calls_per_s_conc"]) or 0) >= 50),
        ("cold start -> first prediction (ms)", rust["cold_start_ms"], pp["cold_start_ms"], pu["cold_start_ms"], None,
         False, "<= 50 ms", rust["cold_start_ms"] <= 50),
        ("peak RSS (MiB)", rust["peak_rss_mib"], pp["peak_rss_mib"], pu["peak_rss_mib"], None, False, "<= 20 MiB",
         rust["peak_rss_mib"] <= 20),
    ]
    header = ("| metric | Rust ScoringClient | Python pinned | Python unpinned | wrk | "
              "Rust vs Python pinned | Rust vs wrk | target |")
    lines = [header, "|" + "---|" * 8]
    table_json = []
    for label, r, p, u, w, higher, target, ok in rows:
        # "x better than Python": calls/s divide Rust by Python, costs divide Python by Rust.
        vs_py = ratio(r, p) if higher else ratio(p, r)
        vs_wrk = ratio(r, w)
        mark = "" if ok is None else (" ✅" if ok else " ❌")
        lines.append(
            f"| {label} | {fmt(r, 3)} | {fmt(p)} | {fmt(u)} | {fmt(w, 3)} | "
            f"{fmt(vs_py, 1, '× better')} | {fmt(vs_wrk, 2, '×')} | {target}{mark} |"
        )
        table_json.append({"metric": label, "rust": r, "python_pinned": p, "python_unpinned": u, "wrk": w,
                           "rust_vs_python": vs_py, "rust_vs_wrk": vs_wrk, "target": target, "met": ok})
    cfg = results["config"]
    notes = [
        "",
        f"Same run, same loopback TLS nginx (1 worker, HTTP/1.1, static JSON), access log on. Rust: "
        f"{cfg['rust_seq']} sequential calls, then {cfg['rust_conc']} over 8 tokio tasks (current-thread runtime); Python azure-ai-ml "
        f"{cfg['python_seq']} sequential, then {cfg['python_conc']} over 8 threads; wrk {cfg['wrk_seconds']} s at "
        "1 and 8 connections. Requests per invoke include each process's first resolve "
        f"(Rust requests: {rust['http_requests']}; Python pinned: {pp['http_requests']}; "
        f"Python unpinned: {pu['http_requests']}). Rust cold start: {rust['cold_requests_per_process']:.0f} "
        "requests per process (endpoint GET, listKeys, score). 'Rust vs wrk' is Rust ÷ wrk.",
        "Machine load average at the end (1/5/15 min, on %d cores; other jobs share them): %.2f / %.2f / %.2f."
        % ((os.cpu_count() or 0,) + os.getloadavg()),
    ]
    markdown = "\n".join(lines + notes) + "\n"
    print(markdown)
    os.makedirs(out_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with open(os.path.join(out_dir, "compare.md"), "w") as f:
        f.write(markdown)
    payload = dict(results, table=table_json, when=stamp)
    for k in ("wrk_c1", "wrk_c8"):
        payload[k] = {kk: vv for kk, vv in payload[k].items() if kk != "raw"}
    with open(os.path.join(out_dir, "compare.json"), "w") as f:
        json.dump(payload, f, indent=2)


if __name__ == "__main__":
    main()
