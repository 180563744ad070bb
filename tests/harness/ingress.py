"""The one thing the lab asks of an ingress controller: publishing an address in each Ingress's status.

No ingress controller runs in the lab (nothing would serve the traffic: KWOK's Pods run no container). Argo CD
reports an Ingress Healthy only once `status.loadBalancer.ingress` is set (gitops-engine's
pkg/health/health_ingress.go), so without one every Application would stay Progressing. This thread writes
what ingress-nginx writes with `--publish-status-address=127.0.0.1`, and nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import KubeCluster, as_json

ADDRESS = "127.0.0.1"


def missing_address(ingress: dict) -> bool:
    """True when no controller has published an address for `ingress` (its JSON) yet."""
    return not ingress.get("status", {}).get("loadBalancer", {}).get("ingress")


class IngressStatusPublisher(threading.Thread):
    """Every `interval` seconds, give each Ingress without an address the lab's address."""

    def __init__(self, cluster: KubeCluster, interval: float = 0.5) -> None:
        super().__init__(daemon=True, name="ingress-status")
        self.api = client.NetworkingV1Api(cluster.api_client("admin"))
        self.interval = interval
        self._stopped = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.publish()
            except ApiException as exc:
                if exc.status not in (404, 409):
                    self.errors.append(f"{exc.status}: {exc.body}")

    def publish(self) -> int:
        """Publish the address where it is missing; returns how many Ingresses got it."""
        count = 0
        for ingress in as_json(self.api.list_ingress_for_all_namespaces())["items"]:
            if missing_address(ingress):
                self.api.patch_namespaced_ingress_status(
                    ingress["metadata"]["name"],
                    ingress["metadata"]["namespace"],
                    {"status": {"loadBalancer": {"ingress": [{"ip": ADDRESS}]}}},
                )
                count += 1
        return count

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


@contextmanager
def ingress_status(cluster: KubeCluster) -> Iterator[IngressStatusPublisher]:
    publisher = IngressStatusPublisher(cluster)
    publisher.start()
    try:
        yield publisher
    finally:
        publisher.stop()
