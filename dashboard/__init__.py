"""The promotion board: a live view of a Kargo + Argo CD pipeline (see README.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboard.app import create_app


def __getattr__(name: str) -> Any:
    # `python -m dashboard render` must not pay for (or need) the web stack: import the app lazily.
    if name == "create_app":
        from dashboard.app import create_app  # pylint: disable=import-outside-toplevel

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
