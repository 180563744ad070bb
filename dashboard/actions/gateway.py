"""The one small interface every write goes through: "ask Kargo to ...". Kubernetes API or simulator.

Implementations raise ActionError, never library exceptions.
"""

from __future__ import annotations

from typing import Protocol

from dashboard.actions.errors import ActionError
from dashboard.auth.roles import Identity


class Gateway(Protocol):
    def promote(self, stage: str, freight: str, request_id: str, identity: Identity) -> str:
        """Create a Promotion of `freight` into `stage`; returns the Promotion's name."""
        ...  # pylint: disable=unnecessary-ellipsis

    def approve(self, freight: str, stage: str, identity: Identity) -> None:
        """Manually approve `freight` for `stage` (`status.approvedFor`)."""
        ...  # pylint: disable=unnecessary-ellipsis

    def abort(self, promotion: str, identity: Identity) -> None:
        """Abort a Pending or Running Promotion (the `kargo.akuity.io/abort` annotation)."""
        ...  # pylint: disable=unnecessary-ellipsis

    def refresh_warehouse(self, warehouse: str, identity: Identity) -> None:
        """Ask the Warehouse to look for new artifacts now (the `kargo.akuity.io/refresh` annotation)."""
        ...  # pylint: disable=unnecessary-ellipsis


class ReadOnlyGateway:
    """For sources that cannot act (a snapshot file): every action is refused, clearly."""

    def promote(self, stage: str, freight: str, request_id: str, identity: Identity) -> str:
        raise ActionError("read-only")

    def approve(self, freight: str, stage: str, identity: Identity) -> None:
        raise ActionError("read-only")

    def abort(self, promotion: str, identity: Identity) -> None:
        raise ActionError("read-only")

    def refresh_warehouse(self, warehouse: str, identity: Identity) -> None:
        raise ActionError("read-only")


def actor_annotation(identity: Identity) -> str:
    """How the simulator (and Kargo for OIDC users) records who asked: `<claim>:<name>`."""
    return f"board:{identity.name}"
