"""Benchmarks (b), (c), (d) of the board issue, against a real kube-apiserver and the real server process.

A board of 500 Freight x 10 Stages lives in the harness's kube-apiserver; `python -m dashboard serve`
(gunicorn, one gevent worker) watches it with the dashboard's least-privilege identity; a compiled load
generator (bench/loadgen) plays the viewers so that the client does not take the server's CPU.

(b) Page requests: 500 viewers each loading the board once a second (open loop: latency p50/p99), and the
    server's capacity with 500 clients sending back-to-back (closed loop: req/s) for the board, the audience
    page and a trivial endpoint (/healthz), in the same run, for the ratio.
(c) Kubernetes API reads (LIST/WATCH/GET on the watched kinds, from the apiserver's own
    apiserver_request_total) while 10 viewers, then 500 viewers, hold live streams through the same changes.
(d) Delay from an object change sent to the apiserver to the new board reaching each open stream (p50/p99).

Run with `make bench-viewers`; `--quick` shrinks every phase (the test suite uses it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.board_render import FREIGHT, STAGES, objects, warehouse
from bench.gobuild import build_go_tool
from tests.harness.kargo import create_warehouse, kargo_binary
from tests.harness.kube import CustomObjects, KubeCluster, kube_cluster
from tests.harness.processes import free_port

DESCRIPTION = "Benchmarks (b), (c), (d) of the board: viewers, API reads, change-to-viewer delay."
REPO = Path(__file__).resolve().parent.parent
LOADGEN_SOURCE = Path(__file__).resolve().parent / "loadgen"
KARGO_API_MODULE = "github.com/akuity/kargo/api"
WATCHED = ("stages", "freights", "promotions", "warehouses", "applications")
CHANGED_STAGE = "s0"


@dataclass(frozen=True)
class Plan:
    viewers: int = 500
    few_viewers: int = 10
    seconds: float = 10.0
    changes: int = 20
    change_every: float = 1.0
    freight: int = FREIGHT

    @staticmethod
    def quick() -> Plan:
        return Plan(viewers=50, few_viewers=5, seconds=2.0, changes=3, change_every=0.5, freight=60)


def main(argv: Sequence[str] | None = None) -> int:
    return bench_cli(argv, "python -m bench.board_viewers", DESCRIPTION, Plan, run, report)


def bench_cli(  # pylint: disable=too-many-arguments,too-many-positional-arguments
    argv: Sequence[str] | None,
    prog: str,
    description: str,
    plans: Any,
    run_plan: Callable[[Any], dict],
    report_lines: Callable[[dict, Any], Iterable[str]],
) -> int:
    """The viewer benchmarks' command line: --quick picks `plans.quick()`, --json keeps the results."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help="small and short: checks that the bench works")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    plan = plans.quick() if args.quick else plans()
    results = run_plan(plan)
    for line in report_lines(results, plan):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def run(plan: Plan, cluster: KubeCluster | None = None) -> dict:
    """Every measurement, on `cluster` (the tests pass theirs) or on a control plane started for the run."""
    if cluster is None:
        with kube_cluster() as started:
            return run(plan, started)
    loadgen = build_loadgen()
    namespace = cluster.create_project_namespace()
    seed(cluster, namespace, plan.freight)
    reads_before_start = api_reads(cluster)
    with dashboard_server(cluster, namespace) as base:
        results: dict = {"stages": STAGES, "freight": plan.freight, "load_before": os.getloadavg()}
        # For scale: what the server read to start (one LIST and one WATCH per kind).
        results["startup_reads"] = api_reads(cluster) - reads_before_start
        # The stream windows come first and back to back: both then fall inside one period of the server's
        # watches (renewed every WATCH_SECONDS whatever the audience), so (c) compares viewers, not clocks.
        results["few"] = measure_streams(loadgen, cluster, namespace, base, plan.few_viewers, plan)
        results["many"] = measure_streams(loadgen, cluster, namespace, base, plan.viewers, plan)
        results["pages"] = measure_pages(loadgen, base, plan)
        results["load_after"] = os.getloadavg()
        return results


def build_loadgen() -> Path:
    """The compiled load generator, built against Kargo's own API module from the pinned source tree (its
    kargo-stages mode uses Kargo's generated Connect client)."""
    kargo_api = kargo_binary().parent.parent / "src" / "api"
    return build_go_tool(LOADGEN_SOURCE, "loadgen", {KARGO_API_MODULE: kargo_api})


def seed(cluster: KubeCluster, namespace: str, freight: int) -> None:
    """The benchmark board, created through the API; status written through the status subresource."""
    kargo = CustomObjects(cluster, "admin", "kargo.akuity.io", "v1alpha1")
    data = objects(namespace, freight)
    create_warehouse(kargo, namespace, warehouse(namespace))
    for plural, kind in (("freights", "Freight"), ("stages", "Stage")):
        for obj in data[kind]:
            status = obj.pop("status")
            created = kargo.create(namespace, plural, obj)
            kargo.patch_status(namespace, plural, created["metadata"]["name"], {"status": status})


@contextmanager
def dashboard_server(cluster: KubeCluster, namespace: str) -> Iterator[str]:
    with dashboard_process(cluster, namespace) as (base, _):
        yield base


@contextmanager
def dashboard_process(cluster: KubeCluster, namespace: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """The dashboard serving the board of `namespace`: its base URL and its process (gunicorn's master)."""
    port = free_port()
    env = {
        **os.environ,
        "DASHBOARD_SOURCE": "kubernetes",
        "KUBECONFIG": str(cluster.kubeconfig("dashboard")),
        "KARGO_PROJECT": namespace,
        "ARGOCD_NAMESPACE": namespace,
        # Only the benchmark's changes publish a new board: no periodic re-render muddles (c) and (d).
        "DASHBOARD_REFRESH_SECONDS": "3600",
        "DASHBOARD_SECRET_KEY": secrets.token_hex(32),  # production mode, as in a cluster
    }
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory(prefix="bench-dashboard-") as state:
        # An audit database of its own: the default one under ~/.local/state is shared with other checkouts.
        env["DASHBOARD_AUDIT_URL"] = f"sqlite:///{state}/audit.sqlite3"
        server = subprocess.Popen(  # noqa: S603 - our own server
            [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, server, log)
            yield base, server
        finally:
            server.terminate()
            server.wait(timeout=15)


def wait_ready(base: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the dashboard exited:\n{log.read().decode(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the dashboard did not become ready within 60 s")


def loadgen_json(loadgen: Path, *args: str) -> dict:
    done = subprocess.run([str(loadgen), *args], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"loadgen {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def measure_pages(loadgen: Path, base: str, plan: Plan) -> dict:
    duration, warmup = f"{plan.seconds}s", "2s" if plan.seconds >= 5 else "0.5s"
    pages = {}
    for name, path in (("trivial", "/healthz"), ("board", "/"), ("audience", "/watch")):
        pages[f"closed_{name}"] = loadgen_json(
            loadgen, "closed", "-url", base + path, "-c", str(plan.viewers), "-d", duration, "-warmup", warmup
        )
    for name, path in (("board", "/"), ("audience", "/watch")):
        pages[f"open_{name}"] = loadgen_json(
            loadgen, "open", "-url", base + path, "-c", str(plan.viewers), "-every", "1s", "-d", duration
        )
    return pages


def measure_streams(
    loadgen: Path, cluster: KubeCluster, namespace: str, base: str, viewers: int, plan: Plan
) -> dict:
    """`viewers` live streams open while `plan.changes` Stage changes happen; API reads and delays counted."""
    make_changes = prepare_changes(cluster, namespace, plan)
    reads_before = api_reads(cluster)
    changed_at, received = changes_under_streams(loadgen, f"{base}/events/watch", viewers, plan, make_changes)
    reads_after = api_reads(cluster)
    return {
        "viewers": viewers,
        "connected": received["connected"],
        "stream_errors": (received["errors"] or [])[:5],
        "api_reads": reads_after - reads_before,
        "changes": len(changed_at),
        **delivery_delays(changed_at, received["events"], viewers),
    }


def changes_under_streams(  # pylint: disable=too-many-arguments
    loadgen: Path,
    url: str,
    viewers: int,
    plan: Plan,
    make_changes: Callable[[], list[int]],
    mode: Sequence[str] = ("sse",),
) -> tuple[list[int], dict]:
    """Open the streams, make the changes once all are connected, and collect what each stream received.
    `mode` is the load generator's mode and its own flags (sse, or kargo-stages -project P -password W)."""
    # Margin for opening the streams (a server may rate-limit its own apiserver calls, one per stream).
    seconds = plan.changes * plan.change_every + 5 + viewers / 50
    command = [str(loadgen), *mode, "-url", url, "-c", str(viewers), "-d", f"{seconds}s"]
    with subprocess.Popen(  # noqa: S603 - our own tool
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as streams:
        assert streams.stderr is not None
        if streams.stderr.readline().strip() != "ready":
            raise RuntimeError(f"the streams did not open: {streams.stderr.read()}")
        changed_at = make_changes()
        stdout, stderr = streams.communicate(timeout=seconds + 30)
    if streams.returncode != 0:
        raise RuntimeError(f"loadgen sse failed:\n{stderr}")
    return changed_at, json.loads(stdout)


def prepare_changes(cluster: KubeCluster, namespace: str, plan: Plan) -> Callable[[], list[int]]:
    """A function that moves the first Stage to other Freight `plan.changes` times, returning when each change
    was sent."""
    kargo = CustomObjects(cluster, "admin", "kargo.akuity.io", "v1alpha1")
    # The benchmark's own reads happen here, before the streams open and the API reads are counted.
    freights = sorted(f["metadata"]["name"] for f in kargo.list(namespace, "freights")["items"])
    stage = kargo.get(namespace, "stages", CHANGED_STAGE)
    return lambda: _change_stage(kargo, namespace, stage, freights, plan)


def _change_stage(
    kargo: CustomObjects, namespace: str, stage: dict, freights: list[str], plan: Plan
) -> list[int]:
    changed_at = []
    for index in range(plan.changes):
        time.sleep(plan.change_every)
        history = stage["status"]["freightHistory"]
        item = history[0]["items"]["Warehouse/w"]
        item["name"] = freights[(index * 7) % len(freights)]
        changed_at.append(time.time_ns())  # before the request: the delay includes the apiserver's part
        stage = kargo.patch_status(
            namespace, "stages", CHANGED_STAGE, {"status": {"freightHistory": history}}
        )
    time.sleep(plan.change_every)
    return changed_at


def delivery_delays(changed_at: list[int], events: list[dict], viewers: int) -> dict:
    """Per change and stream: the first event after the change (and before the next one) is its delivery."""
    by_stream: dict[int, list[int]] = {}
    for event in events:
        by_stream.setdefault(event["stream"], []).append(event["at_ns"])
    delays, missed = [], 0
    bounds = [*changed_at[1:], None]
    for start, end in zip(changed_at, bounds, strict=True):
        for stream in range(viewers):
            arrivals = [at for at in by_stream.get(stream, []) if at >= start and (end is None or at < end)]
            if arrivals:
                delays.append((min(arrivals) - start) / 1e6)
            else:
                missed += 1
    delays.sort()
    return {
        "deliveries": len(delays),
        "missed": missed,
        "events": len(events),
        "delay_p50_ms": percentile(delays, 50),
        "delay_p99_ms": percentile(delays, 99),
        "delay_max_ms": delays[-1] if delays else None,
    }


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return values[max(0, min(len(values) - 1, round(len(values) * p / 100) - 1))]


def api_reads(cluster: KubeCluster) -> float:
    """LIST, WATCH and GET requests the apiserver has served on the kinds the dashboard watches."""
    request = urllib.request.Request(  # noqa: S310 - the harness's own apiserver
        f"{cluster.server}/metrics", headers={"Authorization": f"Bearer {cluster.tokens['admin']}"}
    )
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    resources = "|".join(WATCHED)
    pattern = re.compile(rf'^apiserver_request_total\{{.*resource="({resources})".*verb="(LIST|WATCH|GET)"')
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if pattern.match(line))


def report(results: dict, plan: Plan) -> list[str]:
    pages, few, many = results["pages"], results["few"], results["many"]
    trivial = pages["closed_trivial"]["rps"]
    lines = [
        f"board: {results['stages']} stages, {results['freight']} freight; load average before "
        f"{results['load_before'][0]:.2f}, after {results['load_after'][0]:.2f}",
        f"(b) closed loop, {plan.viewers} clients back to back ({plan.seconds:.0f} s each):",
    ]
    for name in ("trivial", "board", "audience"):
        row = pages[f"closed_{name}"]
        lines.append(
            f"    {name:9} {row['rps']:8.0f} req/s  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
            f"  errors {row['errors']}  ({100 * row['rps'] / trivial:5.1f}% of trivial; target >= 50%)"
        )
    lines.append(f"(b) open loop, {plan.viewers} viewers each loading the page once a second:")
    for name in ("board", "audience"):
        row = pages[f"open_{name}"]
        lines.append(
            f"    {name:9} {row['rps']:8.0f} req/s  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
            f"  errors {row['errors']}  (target p99 < 100 ms)"
        )
    lines.append(
        f"(c) Kubernetes API reads during {plan.changes} changes: {few['viewers']} viewers "
        f"{few['api_reads']:.0f}, {many['viewers']} viewers {many['api_reads']:.0f} "
        f"({'equal' if few['api_reads'] == many['api_reads'] else 'DIFFERENT'}; target equal; the server's "
        f"start-up took {results['startup_reads']:.0f})"
    )
    for row in (few, many):
        lines.append(
            f"(d) change -> viewer, {row['viewers']:3} streams ({row['connected']} connected): p50 "
            f"{fmt_ms(row['delay_p50_ms'])}  p99 {fmt_ms(row['delay_p99_ms'])}  max "
            f"{fmt_ms(row['delay_max_ms'])}  {row['deliveries']} deliveries, {row['missed']} missed "
            "(target p99 < 1000 ms)"
        )
    return lines


def fmt_ms(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:7.1f} ms"


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
