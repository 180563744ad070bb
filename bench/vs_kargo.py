"""Issue 18, part 2: the board's live stream against Kargo's own API server, on the same pipeline, in one run.

One kube-apiserver (the harness's) holds a board of 500 Freight x 10 Stages, written to it directly: Kargo's
controller does not run, since neither server needs it to serve what is stored. Two servers are measured one
after the other on the same objects:

- the board: `python -m dashboard serve` (gunicorn, one gevent worker), viewers on its SSE stream
  /events/watch;
- Kargo's API server: `kargo api` (the pinned v1.11.2 binary), configured from its own Helm chart (ConfigMap,
  Secret with the admin account's bcrypt hash and token-signing key, ServiceAccount and RBAC), plain HTTP on
  127.0.0.1; viewers hold the stream its UI opens for a project's stages (KargoService.WatchStages over
  Connect, logged in as the admin account).

For each number of viewers, the compiled load generator (bench/loadgen) opens the streams, the benchmark moves
one Stage to other Freight `changes` times (through the status subresource, as Kargo's controller would), and
reports per server: delivery delay p50/p99 (change sent -> event received, per stream), server CPU seconds per
change (the server's process tree, /proc), resident memory and its growth per viewer, and what the apiserver
saw (its own /metrics): read requests (GET/LIST/WATCH) during the window and open watches while the streams
are open (apiserver_longrunning_requests).

Run with `make bench-vs-kargo`; `--quick` shrinks every phase (the test suite uses it).
"""

from __future__ import annotations

import os
import re
import secrets
import ssl
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import board_viewers
from bench.board_render import FREIGHT, STAGES
from tests.harness.kargo import kargo_api_server
from tests.harness.kube import CustomObjects, KubeCluster, kube_cluster
from tests.harness.processes import HarnessError

DESCRIPTION = "The board's SSE stream against Kargo API's WatchStages: delay, CPU, memory, apiserver load."
SERVERS = ("board", "kargo-api")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Plan:
    viewers: tuple[int, ...] = (10, 100, 500)
    changes: int = 20
    change_every: float = 1.0
    freight: int = FREIGHT

    @staticmethod
    def quick() -> Plan:
        return Plan(viewers=(2, 10), changes=3, change_every=0.5, freight=60)

    def streams(self) -> board_viewers.Plan:
        """The stream phase's plan in board_viewers' terms (its change loop and stream runner are reused)."""
        return board_viewers.Plan(changes=self.changes, change_every=self.change_every, freight=self.freight)


@dataclass(frozen=True)
class Sample:
    cpu_seconds: float
    rss_bytes: int
    api_reads: float
    watches: float


def main(argv: Sequence[str] | None = None) -> int:
    return board_viewers.bench_cli(argv, "python -m bench.vs_kargo", DESCRIPTION, Plan, run, report)


def run(plan: Plan, cluster: KubeCluster | None = None) -> dict:
    """Both servers measured on `cluster` (or on a control plane started for the run)."""
    if cluster is None:
        with kube_cluster() as started:
            return run(plan, started)
    loadgen = board_viewers.build_loadgen()
    namespace = cluster.create_project_namespace()
    # Kargo's API server checks that the Project exists (no webhook runs here: its namespace is made above).
    CustomObjects(cluster, "admin", "kargo.akuity.io", "v1alpha1").raw.create_cluster_custom_object(
        "kargo.akuity.io",
        "v1alpha1",
        "projects",
        {"apiVersion": "kargo.akuity.io/v1alpha1", "kind": "Project", "metadata": {"name": namespace}},
    )
    board_viewers.seed(cluster, namespace, plan.freight)
    results: dict = {"stages": STAGES, "freight": plan.freight, "load_before": os.getloadavg(), "servers": {}}
    with board_viewers.dashboard_process(cluster, namespace) as (base, process):
        results["servers"]["board"] = measure_server(
            loadgen, cluster, namespace, process.pid, f"{base}/events/watch", ("sse",), plan
        )
    password = secrets.token_urlsafe(18)
    with kargo_api_server(cluster, password) as api:
        mode = ("kargo-stages", "-project", namespace, "-password", password)
        results["servers"]["kargo-api"] = measure_server(
            loadgen, cluster, namespace, api.process.pid, api.url, mode, plan
        )
    results["load_after"] = os.getloadavg()
    return results


def measure_server(  # pylint: disable=too-many-arguments
    loadgen: Path,
    cluster: KubeCluster,
    namespace: str,
    pid: int,
    url: str,
    mode: Sequence[str],
    plan: Plan,
) -> dict:
    """Every viewer count of `plan` on one server, after the server settled with no viewer."""
    time.sleep(2)  # the server's own start-up reads and watches settle
    idle = sample(cluster, pid)
    rows = [
        measure_viewers(loadgen, cluster, namespace, (pid, url, mode), viewers, plan, idle)
        for viewers in plan.viewers
    ]
    return {"idle_rss_bytes": idle.rss_bytes, "idle_watches": idle.watches, "rows": rows}


def measure_viewers(  # pylint: disable=too-many-arguments,too-many-locals
    loadgen: Path,
    cluster: KubeCluster,
    namespace: str,
    server: tuple[int, str, Sequence[str]],
    viewers: int,
    plan: Plan,
    idle: Sample,
) -> dict:
    """`viewers` streams open through `plan.changes` Stage changes; what the server and the apiserver did."""
    pid, url, mode = server
    streams = plan.streams()
    make_changes = board_viewers.prepare_changes(cluster, namespace, streams)
    marks: dict[str, Sample] = {}

    def measured_changes() -> list[int]:
        marks["open"] = sample(cluster, pid)
        changed_at = make_changes()
        marks["changed"] = sample(cluster, pid)
        return changed_at

    before = sample(cluster, pid)
    changed_at, received = board_viewers.changes_under_streams(
        loadgen, url, viewers, streams, measured_changes, mode
    )
    after = sample(cluster, pid)
    opened, changed = marks["open"], marks["changed"]
    return {
        "viewers": viewers,
        "connected": received["connected"],
        "stream_errors": (received["errors"] or [])[:5],
        "changes": len(changed_at),
        **board_viewers.delivery_delays(changed_at, received["events"], viewers),
        "cpu_open_seconds": opened.cpu_seconds - before.cpu_seconds,
        "cpu_per_change_seconds": (changed.cpu_seconds - opened.cpu_seconds) / max(1, len(changed_at)),
        "rss_bytes": changed.rss_bytes,
        "rss_growth_per_viewer_bytes": (changed.rss_bytes - idle.rss_bytes) / viewers,
        "api_reads": after.api_reads - before.api_reads,
        "watches_open": opened.watches - idle.watches,
        "load": os.getloadavg(),
    }


def sample(cluster: KubeCluster, pid: int) -> Sample:
    cpu, rss = process_tree_usage(pid)
    reads, watches = apiserver_counts(cluster)
    return Sample(cpu_seconds=cpu, rss_bytes=rss, api_reads=reads, watches=watches)


def process_tree_usage(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident bytes of `pid` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "; fields[0] is the state
        stats[int(entry.name)] = fields
        parents[int(entry.name)] = int(fields[1])
    if pid not in stats:
        raise HarnessError(f"the measured server (pid {pid}) is not running")
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    # stat fields (man 5 proc), counted from the state: utime 11, stime 12, rss (pages) 21.
    cpu = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree) / CLOCK_TICKS
    rss = sum(int(stats[p][21]) for p in tree) * PAGE_SIZE
    return cpu, rss


def apiserver_counts(cluster: KubeCluster) -> tuple[float, float]:
    """From the apiserver's own /metrics: read requests served so far (GET, LIST, WATCH on any resource) and
    watches open now."""
    request = urllib.request.Request(  # noqa: S310 - the harness's own apiserver
        f"{cluster.server}/metrics", headers={"Authorization": f"Bearer {cluster.tokens['admin']}"}
    )
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    reads = re.compile(r'^apiserver_request_total\{.*verb="(LIST|WATCH|GET)"')
    watches = re.compile(r'^apiserver_longrunning_requests\{.*verb="WATCH"')
    lines = text.splitlines()
    return (
        sum(float(line.rsplit(" ", 1)[1]) for line in lines if reads.match(line)),
        sum(float(line.rsplit(" ", 1)[1]) for line in lines if watches.match(line)),
    )


def report(results: dict, plan: Plan) -> list[str]:
    servers = results["servers"]
    lines = [
        f"board vs Kargo API: {results['stages']} stages, {results['freight']} freight, {plan.changes} "
        f"changes every {plan.change_every:g} s per viewer count; load average before "
        f"{results['load_before'][0]:.2f}, after {results['load_after'][0]:.2f}",
        "server     viewers connected  delay p50    delay p99  missed  CPU s/change  RSS MB  growth KB/viewer"
        "  apiserver reads  watches open  load",
    ]
    for name in SERVERS:
        server = servers[name]
        lines.append(
            f"{name:10} idle: RSS {server['idle_rss_bytes'] / 2**20:.1f} MB, apiserver watches open "
            f"{server['idle_watches']:.0f}"
        )
        for row in server["rows"]:
            lines.append(
                f"{name:10} {row['viewers']:7} {row['connected']:9}  {fmt_ms(row['delay_p50_ms'])} "
                f"{fmt_ms(row['delay_p99_ms'])}  {row['missed']:6}  {row['cpu_per_change_seconds']:12.4f}"
                f"  {row['rss_bytes'] / 2**20:6.1f}  {row['rss_growth_per_viewer_bytes'] / 1024:16.1f}"
                f"  {row['api_reads']:15.0f}  {row['watches_open']:12.0f}  {row['load'][0]:.2f}"
            )
            if row["stream_errors"]:
                lines.append(f"{name:10} stream errors: {row['stream_errors']}")
    lines.append("ratios board / kargo-api (goal <= 0.10 for CPU and memory per viewer):")
    for board, kargo in zip(servers["board"]["rows"], servers["kargo-api"]["rows"], strict=True):
        lines.append(
            f"    {board['viewers']:4} viewers:"
            f"  CPU per change {ratio(board, kargo, 'cpu_per_change_seconds')}"
            f"  RSS growth per viewer {ratio(board, kargo, 'rss_growth_per_viewer_bytes')}"
            f"  RSS {ratio(board, kargo, 'rss_bytes')}  delay p99 {ratio(board, kargo, 'delay_p99_ms')}"
            f"  apiserver reads {ratio(board, kargo, 'api_reads')}"
            f"  watches open {board['watches_open']:.0f} vs {kargo['watches_open']:.0f}"
        )
    return lines


def ratio(board: dict, kargo: dict, key: str) -> str:
    mine, theirs = board[key], kargo[key]
    if mine is None or theirs is None or theirs <= 0:
        return "   n/a"
    return f"{mine / theirs:6.3f}"


def fmt_ms(value: float | None) -> str:
    return board_viewers.fmt_ms(value)


if __name__ == "__main__":
    sys.exit(main())
