"""A control plane of a test's own, whose etcd and kube-apiserver the test may kill and restart.

The session's shared control plane (tests/harness/kube.py, fixture `kube`) is never touched: `fault_kube`
starts a second one for one test, at the cost of its start-up time.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.harness.kube import KubeCluster, _https_ready, kube_cluster
from tests.harness.processes import stop, wait_until


class FaultyControlPlane:
    def __init__(self, cluster: KubeCluster) -> None:
        self.cluster = cluster
        self.faults = 0
        self._restarted: list[subprocess.Popen] = []

    def kill_apiserver(self) -> None:
        """SIGKILL: no goodbye to the open watches (a crashed or OOM-killed apiserver)."""
        _, process = self.cluster.processes["kube-apiserver"]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.faults += 1

    def start_apiserver(self) -> None:
        """The same command, port, certificates and etcd: the apiserver comes back with every object."""
        log, old = self.cluster.processes["kube-apiserver"]
        with log.open("ab") as output:
            # pylint: disable-next=consider-using-with  # stopped by close()
            process = subprocess.Popen(  # noqa: S603 - the harness's own argv
                old.args, stdout=output, stderr=subprocess.STDOUT
            )
        self._restarted.append(process)
        self.cluster.processes["kube-apiserver"] = (log, process)
        cluster = self.cluster
        wait_until(
            lambda: _https_ready(f"{cluster.server}/readyz", cluster.ca_file, cluster.tokens["admin"]),
            90,
            "kube-apiserver after its restart",
            process,
            log,
        )

    def close(self) -> None:
        for process in self._restarted:
            stop(process)


@contextmanager
def faulty_control_plane() -> Iterator[FaultyControlPlane]:
    with kube_cluster() as cluster:
        plane = FaultyControlPlane(cluster)
        try:
            yield plane
        finally:
            plane.close()
