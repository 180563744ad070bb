"""The Kargo harness fails clearly: a Kargo that does not start is named, with its own last words."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client

from tests.harness.kargo import kargo_control_plane
from tests.harness.kube import KubeCluster, kube_cluster
from tests.harness.processes import HarnessError

pytestmark = pytest.mark.kube


def test_a_kargo_that_cannot_start_is_named_with_its_log_and_leaves_no_webhook(tmp_path: Path):
    # A control plane of its own: the session's `kube` already has Kargo's webhooks registered.
    with kube_cluster() as kube:
        _check_broken_kargo(kube, tmp_path)


def _check_broken_kargo(kube: KubeCluster, tmp_path: Path) -> None:
    broken = tmp_path / "kargo"
    broken.write_text('#!/bin/sh\necho "kargo $1: certificate problem: no serving certificate" >&2\nexit 3\n')
    broken.chmod(0o755)
    with pytest.raises(HarnessError) as failed, kargo_control_plane(kube, timeout=20, binary=broken):
        pass
    message = str(failed.value)
    assert "kubernetes-webhooks-server" in message and "exited with code 3" in message, message
    assert "certificate problem: no serving certificate" in message, message
    # No webhook configuration was left behind to refuse the other tests' objects.
    admission = client.AdmissionregistrationV1Api(kube.api_client("admin"))
    names = [
        hook.metadata.name
        for hook in admission.list_validating_webhook_configuration().items
        if hook.metadata
    ]
    assert "kargo" not in names
