"""Per-object results carried from one board build to the next, keyed by the object's identity.

The ObjectStore (and every source) replaces an object's dict whenever the object changes and never edits one
in place, so an object that kept its identity kept its content: what was parsed from it can be reused. With
500 Freight and one changed Stage, a build then parses one object instead of 500.

The memo is an optimisation only: `build_board` gives the same board with or without one. Entries that a build
did not use are dropped when the next build ends (two generations), so memory follows the live object set.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Not thread-safe: one builder (the Publisher's thread) owns it."""

    def __init__(self) -> None:
        self._current: dict[tuple[str, int], tuple[Mapping[str, Any], Any]] = {}
        self._previous: dict[tuple[str, int], tuple[Mapping[str, Any], Any]] = {}
        self._tokens: dict[Hashable, object] = {}
        self._previous_tokens: dict[Hashable, object] = {}

    def get(self, purpose: str, obj: Mapping[str, Any], compute: Callable[[Mapping[str, Any]], T]) -> T:
        """`compute(obj)`, or its result from an earlier call for this very object and purpose."""
        key = (purpose, id(obj))
        entry = self._current.get(key) or self._previous.get(key)
        # The entry holds the object itself, so its id cannot be reused by another dict while cached.
        if entry is None or entry[0] is not obj:
            entry = (obj, compute(obj))
        self._current[key] = entry
        return entry[1]

    def token(self, value: Hashable) -> object:
        """An object standing for `value` in every build while `value` stays equal: a dict key that hashes
        by identity, for hot loops where hashing `value` itself each time would cost more than the work saved.
        """
        token = self._tokens.get(value) or self._previous_tokens.get(value) or object()
        self._tokens[value] = token
        return token

    def end_build(self) -> None:
        """Forget what the build that just ended did not use."""
        self._previous, self._current = self._current, {}
        self._previous_tokens, self._tokens = self._tokens, {}

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)
