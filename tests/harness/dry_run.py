"""Schema validation by the real kube-apiserver: a server-side dry run (`dryRun=All`, strict field checks).

The server checks what a client-side copy of the CRD schemas never fully could: structural schemas, CEL rules
(x-kubernetes-validations), formats, built-in kinds' own validation, admission, and unknown fields (refused
here with `fieldValidation=Strict`, where a plain client request would have them silently pruned).
Nothing is stored by a dry run. Status has no dry-run create (the server drops `.status` on create), so
`dry_run_status` checks it through the status subresource of an object that exists.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from tests.harness.kube import KubeCluster, error_message

# Fields the server assigns: a copy of a live object (a snapshot, the simulator's output) carries them, and
# sending them back would be refused (resourceVersion on create) or taken as a precondition (uid).
SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink")
STRICT = [("fieldValidation", "Strict")]

_clients: dict[tuple[str, str], DynamicClient] = {}


class DryRunError(AssertionError):
    """The apiserver refused the object; the message is the server's own (field paths included)."""

    def __init__(self, obj: Mapping[str, Any], status: int, message: str) -> None:
        self.status = status
        self.server_message = message
        super().__init__(f"{describe(obj)}: refused by the apiserver ({status}): {message}")


def describe(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    where = f"{metadata.get('namespace')}/" if metadata.get("namespace") else ""
    return f"{obj.get('apiVersion')} {obj.get('kind')} {where}{metadata.get('name', '<no name>')}"


def dynamic_client(cluster: KubeCluster, identity: str = "admin") -> DynamicClient:
    """One discovery-backed client per cluster and identity (discovery is the slow part). Tokens are random
    per cluster, so a later cluster on a reused port never gets a stale client."""
    key = (cluster.server, cluster.tokens[identity])
    if key not in _clients:
        _clients[key] = DynamicClient(cluster.api_client(identity))
    return _clients[key]


def for_server(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy without the fields only the server may set."""
    body = copy.deepcopy(dict(obj))
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        for name in SERVER_FIELDS:
            metadata.pop(name, None)
    return body


def _resource(cluster: KubeCluster, obj: Mapping[str, Any], identity: str):
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not api_version or not kind:
        raise DryRunError(obj, 0, "apiVersion and kind are required")
    try:
        resource = dynamic_client(cluster, identity).resources.get(api_version=api_version, kind=kind)
    except ResourceNotFoundError:
        raise DryRunError(obj, 404, f"the server serves no {kind} in {api_version}") from None
    namespace = (obj.get("metadata") or {}).get("namespace")
    if resource.namespaced and not namespace:
        raise DryRunError(obj, 0, f"{kind} is namespaced: set metadata.namespace explicitly")
    if not resource.namespaced and namespace:
        raise DryRunError(obj, 0, f"{kind} is cluster-scoped: metadata.namespace must not be set")
    return resource, namespace


def _send(obj: Mapping[str, Any], call) -> dict[str, Any]:
    try:
        answer = call()
    except ApiException as exc:  # the dynamic client's errors subclass it
        status = int(getattr(exc, "status", 0) or 0)
        raise DryRunError(obj, status, error_message(exc) or str(exc)) from None
    return answer.to_dict()


def _at_stored_version(resource, obj: Mapping[str, Any], namespace: str | None) -> dict[str, Any]:
    """The body for an update: custom resources take no unconditional update, so name the stored version."""
    body = for_server(obj)
    stored = _send(obj, lambda: resource.get(name=body["metadata"]["name"], namespace=namespace))
    body["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
    return body


def dry_run_create(cluster: KubeCluster, obj: Mapping[str, Any], identity: str = "admin") -> dict[str, Any]:
    """Create `obj` with dryRun=All; returns what the server would store, raises DryRunError if refused."""
    resource, namespace = _resource(cluster, obj, identity)
    body = for_server(obj)
    return _send(
        obj,
        lambda: resource.create(body=body, namespace=namespace, dry_run="All", query_params=list(STRICT)),
    )


def create(cluster: KubeCluster, obj: Mapping[str, Any], identity: str = "admin") -> dict[str, Any]:
    """Really create `obj` (without its status), e.g. so that its status can be checked afterwards."""
    resource, namespace = _resource(cluster, obj, identity)
    body = for_server(obj)
    body.pop("status", None)
    return _send(obj, lambda: resource.create(body=body, namespace=namespace, query_params=list(STRICT)))


def dry_run_replace(cluster: KubeCluster, obj: Mapping[str, Any], identity: str = "admin") -> dict[str, Any]:
    """Replace an existing object with `obj` under dryRun=All."""
    resource, namespace = _resource(cluster, obj, identity)
    body = _at_stored_version(resource, obj, namespace)
    return _send(
        obj,
        lambda: resource.replace(body=body, namespace=namespace, dry_run="All", query_params=list(STRICT)),
    )


def dry_run_status(cluster: KubeCluster, obj: Mapping[str, Any], identity: str = "admin") -> dict[str, Any]:
    """Replace the status of an existing object with `obj`'s under dryRun=All, through the status subresource
    (or the object itself for kinds without one)."""
    resource, namespace = _resource(cluster, obj, identity)
    if "status" not in obj:
        raise DryRunError(obj, 0, "no .status to check")
    if "status" not in resource.subresources:
        # E.g. Argo CD's Application: status is stored with the object, so a replace validates it.
        return dry_run_replace(cluster, obj, identity)
    body = _at_stored_version(resource, obj, namespace)
    return _send(
        obj,
        lambda: resource.status.replace(
            body=body, namespace=namespace, dry_run="All", query_params=list(STRICT)
        ),
    )


def ensure_namespace(cluster: KubeCluster, name: str, labels: Mapping[str, str] | None = None) -> None:
    """Create a namespace for real unless it exists (no namespace controller runs, so it stays)."""
    core = client.CoreV1Api(cluster.api_client("admin"))
    try:
        core.create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=dict(labels or {})))
        )
    except ApiException as exc:
        if exc.status != 409:
            raise
