"""The Python side of benches/compare.sh: azure-ai-ml's online_endpoints.invoke() against the
benchmark's loopback TLS server, configured as a custom cloud.

    python_invoke.py --base https://127.0.0.1:8443 --mode run --seq 300 --conc 320 --threads 8 [--unpinned]
    python_invoke.py --base https://127.0.0.1:8443 --mode cold

TLS trust comes from REQUESTS_CA_BUNDLE (set by the caller). `run` prints one JSON object;
`cold` prints the first prediction (the caller times process start -> that line).
"""
import argparse
import json
import threading
import time

from azure.core.credentials import AccessToken
from azure.ai.ml import MLClient


class StaticTokenCredential:
    """A credential with a fixed ARM token: the server accepts anything."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("bench-arm-token", int(time.time()) + 3600)


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def percentile(sorted_ms, p):
    if not sorted_ms:
        return 0.0
    rank = max(1, min(len(sorted_ms), int(-(-p / 100.0 * len(sorted_ms) // 1))))
    return sorted_ms[rank - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--mode", default="run")
    parser.add_argument("--seq", type=int, default=300)
    parser.add_argument("--conc", type=int, default=320)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--unpinned", action="store_true")
    parser.add_argument("--request", default="benches/support/sample-request.json")
    args = parser.parse_args()

    base = args.base.rstrip("/") + "/"
    ml_client = MLClient(
        StaticTokenCredential(),
        subscription_id="00000000-0000-0000-0000-000000000000",
        resource_group_name="ml-project-rg",
        workspace_name="ml-workspace-production",
        cloud="AzureBench",
        cloud_metadata={
            "azure_portal": base,
            "resource_manager": base,
            "active_directory": base,
            "aml_resource_id": base,
            "storage_endpoint": "core.windows.net",
            "registry_discovery_endpoint": base,
        },
    )
    deployment = None if args.unpinned else "blue"

    def invoke():
        return ml_client.online_endpoints.invoke(
            endpoint_name="churn-prediction-v1",
            request_file=args.request,
            deployment_name=deployment,
        )

    first = invoke()
    if args.mode == "cold":
        print(first, flush=True)
        return

    for _ in range(10):
        invoke()
    latencies = []
    started = time.perf_counter()
    for _ in range(args.seq):
        t = time.perf_counter()
        invoke()
        latencies.append((time.perf_counter() - t) * 1000.0)
    seq_secs = time.perf_counter() - started
    latencies.sort()

    per_thread = args.conc // args.threads
    errors = []

    def worker():
        try:
            for _ in range(per_thread):
                invoke()
        except Exception as e:  # reported, not hidden
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conc_secs = time.perf_counter() - started

    print(json.dumps({
        "impl": "python-unpinned" if args.unpinned else "python-pinned",
        "invokes": 1 + 10 + args.seq + per_thread * args.threads,
        "seq_calls": args.seq,
        "p50_ms": percentile(latencies, 50),
        "p90_ms": percentile(latencies, 90),
        "p99_ms": percentile(latencies, 99),
        "calls_per_s_1": args.seq / seq_secs,
        "conc_calls": per_thread * args.threads,
        "concurrency": args.threads,
        "calls_per_s_conc": (per_thread * args.threads) / conc_secs,
        "peak_rss_mib": peak_rss_mib(),
        "errors": errors[:3],
    }), flush=True)


if __name__ == "__main__":
    main()
