"""The Kubernetes source: one list+watch per resource kind per process, feeding the ObjectStore.

Each kind gets a thread that lists once, then watches from the list's resourceVersion (with bookmarks so
the version stays fresh), relists when the server answers 410 Gone, and reconnects with exponential backoff
(and a fresh list) when the connection breaks. While any watch is down the source is "stale since" the
moment it broke; the board shows it.
Viewers never reach this module: however many browsers are open, the cluster sees the same requests.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from dashboard.sources.status import SourceStatus
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import ARGOCD_GROUP, ARGOCD_VERSION, KARGO_GROUP, KARGO_VERSION, RESOURCES

log = logging.getLogger(__name__)

HTTP_GONE = 410
# The server ends each watch after this many seconds (we simply watch again from the last version) ...
WATCH_SECONDS = 240
# ... and sends a bookmark at least every minute, so a silent socket for this long means a dead connection.
READ_TIMEOUT_SECONDS = 90


@dataclass(frozen=True)
class WatchTarget:
    kind: str
    group: str
    version: str
    plural: str
    namespace: str


def targets_for(project_namespace: str, argocd_namespace: str) -> tuple[WatchTarget, ...]:
    versions = {KARGO_GROUP: KARGO_VERSION, ARGOCD_GROUP: ARGOCD_VERSION}
    return tuple(
        WatchTarget(
            kind,
            group,
            versions[group],
            plural,
            argocd_namespace if group == ARGOCD_GROUP else project_namespace,
        )
        for kind, (group, plural) in RESOURCES.items()
    )


def load_api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """In-cluster configuration when running in a Pod, else the kubeconfig (explicit path or the default)."""
    configuration = client.Configuration()
    if kubeconfig is None:
        try:
            config.load_incluster_config(client_configuration=configuration)
            return client.ApiClient(configuration)
        except config.ConfigException:
            pass
    config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    return client.ApiClient(configuration)


class KubeSource:
    """Keeps the ObjectStore in sync with the cluster; `start()` once per process."""

    def __init__(
        self,
        store: ObjectStore,
        api_client: client.ApiClient,
        targets: tuple[WatchTarget, ...],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self._store = store
        self._api = client.CustomObjectsApi(api_client)
        self._targets = targets
        self._clock = clock
        self._backoff = (backoff_initial, backoff_max)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._synced: set[str] = set()
        self._broken_since: dict[str, datetime] = {}
        self._reconnects = 0
        self._relists = 0
        self._last_error: str | None = None
        self._threads: list[threading.Thread] = []
        self._watches: dict[str, watch.Watch] = {}
        # Called when the source turns stale or live again: the board shows its banner at once, not at the
        # next periodic re-render (the Kubernetes adapter points it at the Publisher's refresh).
        self.on_status_change: Callable[[], None] = lambda: None

    @property
    def store(self) -> ObjectStore:
        return self._store

    def start(self, initial_resource_version: str | None = None) -> None:
        """Start one list+watch thread per kind. `initial_resource_version` resumes a watch without listing
        first (what a restarted process with a remembered version does); tests use it to provoke 410 Gone."""
        for target in self._targets:
            thread = threading.Thread(
                target=self._run,
                args=(target, initial_resource_version),
                name=f"watch-{target.plural}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._lock:
            for stream in self._watches.values():
                stream.stop()
        for thread in self._threads:
            thread.join(timeout)

    def wait_synced(self, timeout: float) -> bool:
        """True once every kind has been listed at least once (and is not currently broken)."""
        deadline = self._clock().timestamp() + timeout
        while self._clock().timestamp() < deadline:
            if self.status().synced:
                return True
            self._stop.wait(0.05)
        return self.status().synced

    def status(self) -> SourceStatus:
        with self._lock:
            broken = list(self._broken_since.values())
            return SourceStatus(
                synced=len(self._synced) == len(self._targets) and not broken,
                stale_since=min(broken) if broken else None,
                reconnects=self._reconnects,
                relists=self._relists,
                last_error=self._last_error,
            )

    # -- one thread per kind -------------------------------------------------------------------------------

    def _run(self, target: WatchTarget, resource_version: str | None) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if resource_version is None:
                    resource_version = self._list(target)
                resource_version = self._watch(target, resource_version)
                failures = 0
            except ApiException as error:
                if error.status == HTTP_GONE:
                    # Our version is older than etcd's compaction window: start over from a fresh list.
                    with self._lock:
                        self._relists += 1
                    resource_version = None
                    continue
                failures += 1
                self._broken(target, f"{target.plural}: HTTP {error.status} {error.reason}")
            except Exception as error:  # pylint: disable=broad-exception-caught  # any I/O failure: retry
                if self._stop.is_set():
                    break  # stop() closed the stream under the read: our own doing, not a broken watch
                failures += 1
                self._broken(target, f"{target.plural}: {type(error).__name__}: {error}")
            if failures:
                # Come back with a fresh list: it proves the connection works (a quiet watch would not say
                # so until its next event) and the store is consistent again at once.
                resource_version = None
                self._stop.wait(self._delay(failures))

    def _list(self, target: WatchTarget) -> str:
        response = self._api.list_namespaced_custom_object(
            target.group,
            target.version,
            target.namespace,
            target.plural,
            _request_timeout=(5, READ_TIMEOUT_SECONDS),
        )
        assert isinstance(response, dict)
        items = [self._complete(target, item) for item in response.get("items", [])]
        self._store.replace(target.kind, items)
        self._healthy(target)
        return response["metadata"]["resourceVersion"]

    def _watch(self, target: WatchTarget, resource_version: str) -> str:
        stream = watch.Watch()
        with self._lock:
            self._watches[target.plural] = stream
        for event in stream.stream(
            self._api.list_namespaced_custom_object,
            target.group,
            target.version,
            target.namespace,
            target.plural,
            resource_version=resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _request_timeout=(5, READ_TIMEOUT_SECONDS),
        ):
            self._healthy(target)
            kind: str = event["type"]  # type: ignore[index]
            obj: dict = event["object"]  # type: ignore[index]
            if kind in ("ADDED", "MODIFIED"):
                self._store.upsert(target.kind, self._complete(target, obj))
            elif kind == "DELETED":
                self._store.delete(target.kind, obj)
            resource_version = obj.get("metadata", {}).get("resourceVersion", resource_version)
            if self._stop.is_set():
                break
        return resource_version

    @staticmethod
    def _complete(target: WatchTarget, obj: dict) -> dict:
        # List items of custom resources carry apiVersion/kind, but make sure: the board matches on them.
        obj.setdefault("apiVersion", f"{target.group}/{target.version}")
        obj.setdefault("kind", target.kind)
        return obj

    def _healthy(self, target: WatchTarget) -> None:
        with self._lock:
            self._synced.add(target.plural)
            recovered = self._broken_since.pop(target.plural, None) is not None
        if recovered:
            log.info("watch on %s recovered", target.plural)
            self.on_status_change()

    def _broken(self, target: WatchTarget, message: str) -> None:
        with self._lock:
            self._reconnects += 1
            self._last_error = message
            newly = target.plural not in self._broken_since
            self._broken_since.setdefault(target.plural, self._clock())
        log.warning("watch on %s broken: %s", target.plural, message)
        if newly:
            self.on_status_change()

    def _delay(self, failures: int) -> float:
        initial, maximum = self._backoff
        delay = min(maximum, initial * 2 ** (failures - 1))
        return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography
