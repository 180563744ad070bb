"""The gateway to a real cluster: Kargo objects through the Kubernetes API, as `kubectl` users do.

A Promotion is created with only `{stage, freight}`: Kargo's webhook fills the steps, checks the `promote`
verb and whether the Freight is available (kargo.md section 4). Approve, abort and refresh are patches.
With impersonation on, every request is made as the person (Kubernetes `Impersonate-User`), so Kargo's
`create-actor` and Kubernetes' own checks name them rather than the board's ServiceAccount.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import urllib3.exceptions
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from dashboard.actions.errors import ActionError, from_kubernetes
from dashboard.actions.gateway import actor_annotation
from dashboard.actions.request_ids import (
    promotion_name,
)
from dashboard.auth.roles import Identity
from dashboard.vocabulary import (
    ABORT_ANNOTATION,
    KARGO_API,
    KARGO_GROUP,
    KARGO_VERSION,
    REFRESH_ANNOTATION,
    REQUEST_ID_LABEL,
    REQUESTED_BY_ANNOTATION,
    RESOURCES,
    kube_time,
)

# (connect, read) seconds: a click must get an answer, even a negative one, quickly.
REQUEST_TIMEOUT = (5, 15)


class KubeGateway:
    def __init__(
        self,
        api_client: client.ApiClient,
        namespace: str,
        *,
        impersonate: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: tuple[float, float] = REQUEST_TIMEOUT,
    ) -> None:
        self._api = client.CustomObjectsApi(api_client)
        self._namespace = namespace
        self._impersonate = impersonate
        self._clock = clock
        self._timeout = timeout

    def promote(self, stage: str, freight: str, request_id: str, identity: Identity) -> str:
        earlier = self._earlier_promotion(request_id)
        if earlier:
            raise ActionError("already-requested", f"Promotion {earlier} exists", {"promotion": earlier})
        body = {
            "apiVersion": KARGO_API,
            "kind": "Promotion",
            "metadata": {
                # Kargo's webhook renames it (same scheme) and keeps the request-id label.
                "name": promotion_name(stage, request_id, freight),
                "namespace": self._namespace,
                "labels": {REQUEST_ID_LABEL: request_id},
                "annotations": {REQUESTED_BY_ANNOTATION: identity.name},
            },
            "spec": {"stage": stage, "freight": freight},
        }
        created = self._call(
            identity,
            self._api.create_namespaced_custom_object,
            KARGO_GROUP,
            KARGO_VERSION,
            self._namespace,
            _plural("Promotion"),
            body,
        )
        return str(created.get("metadata", {}).get("name") or body["metadata"]["name"])

    def _earlier_promotion(self, request_id: str) -> str | None:
        """The Promotion an earlier attempt of this request created, if any.

        Kargo's webhook renames every Promotion it admits, so a retried create is no 409: the earlier attempt
        is found by its request-id label, with the board's own identity (it watches Promotions). An identity
        that may not list them (a kubeconfig without that verb) skips the check: the create answers for it.
        """
        try:
            listed = self._call(
                None,
                self._api.list_namespaced_custom_object,
                KARGO_GROUP,
                KARGO_VERSION,
                self._namespace,
                _plural("Promotion"),
                label_selector=f"{REQUEST_ID_LABEL}={request_id}",
            )
        except ActionError as error:
            if error.code == "kube-forbidden":
                return None
            raise
        names = [str(item["metadata"]["name"]) for item in listed.get("items") or []]
        return names[0] if names else None

    def approve(self, freight: str, stage: str, identity: Identity) -> None:
        patch = {"status": {"approvedFor": {stage: {"approvedAt": kube_time(self._clock())}}}}
        self._patch(identity, "Freight", freight, patch, status=True)

    def abort(self, promotion: str, identity: Identity) -> None:
        value = json.dumps({"action": "terminate", "actor": actor_annotation(identity)})
        self._patch(
            identity, "Promotion", promotion, {"metadata": {"annotations": {ABORT_ANNOTATION: value}}}
        )

    def refresh_warehouse(self, warehouse: str, identity: Identity) -> None:
        annotations = {REFRESH_ANNOTATION: kube_time(self._clock())}
        self._patch(identity, "Warehouse", warehouse, {"metadata": {"annotations": annotations}})

    def _patch(self, identity: Identity, kind: str, name: str, patch: dict, *, status: bool = False) -> None:
        """A merge patch on one Kargo object (its status subresource when `status`), as `identity`."""
        method = (
            self._api.patch_namespaced_custom_object_status
            if status
            else self._api.patch_namespaced_custom_object
        )
        self._call(identity, method, KARGO_GROUP, KARGO_VERSION, self._namespace, _plural(kind), name, patch)

    def _call(self, identity: Identity | None, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
        """`method` as `identity` (impersonated, when on), or as the board itself when `identity` is None."""
        headers = {"Impersonate-User": identity.name} if self._impersonate and identity else None
        try:
            result = method(*args, **kwargs, _request_timeout=self._timeout, _headers=headers)
        except ApiException as error:
            raise from_kubernetes(error.status or 0, error.body, error.reason) from None
        except urllib3.exceptions.HTTPError as error:
            raise _connection_error(error) from None
        except OSError as error:
            raise ActionError("unreachable", str(error)) from None
        return result if isinstance(result, dict) else {}


def _connection_error(error: urllib3.exceptions.HTTPError) -> ActionError:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.TimeoutError) or isinstance(
        error, urllib3.exceptions.TimeoutError
    ):
        return ActionError("timeout", type(reason).__name__)
    return ActionError("unreachable", type(reason).__name__)


def _plural(kind: str) -> str:
    return RESOURCES[kind][1]
