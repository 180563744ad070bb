"""The Freight each Stage ran before its current one (`status.freightHistory`, newest first): the rollback
target.

Read from the raw Stage objects because the board model keeps only the current Freight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def previous_freight(objects: Mapping[str, Sequence[Mapping[str, Any]]], project: str) -> dict[str, str]:
    previous: dict[str, str] = {}
    for stage in objects.get("Stage", ()):
        metadata = stage.get("metadata") or {}
        if (metadata.get("namespace") or project) != project:
            continue
        history = (stage.get("status") or {}).get("freightHistory") or []
        if not isinstance(history, list) or len(history) < 2:
            continue
        current = set(_names(history[0]))
        for entry in history[1:]:
            older = [name for name in _names(entry) if name not in current]
            if older:
                previous[str(metadata.get("name"))] = older[0]
                break
    return previous


def _names(collection: Any) -> list[str]:
    items = collection.get("items") if isinstance(collection, dict) else None
    if not isinstance(items, dict):
        return []
    return [str(ref["name"]) for ref in items.values() if isinstance(ref, dict) and ref.get("name")]
