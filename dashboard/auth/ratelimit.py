"""Login rate limiting: too many failed attempts for one user name or from one address lock them out a while.

In memory, per process: the board runs one worker, and a restart only forgets who was locked out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

Key = tuple[str, str]  # ("user", name) or ("ip", address)
MAX_TRACKED_KEYS = 10_000  # bounded memory whatever an attacker sends


class LoginRateLimiter:
    """`retry_after(keys)` is 0 when a login may be tried, else the seconds to wait."""

    def __init__(
        self,
        *,
        per_user: int = 5,
        per_address: int = 20,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"user": per_user, "ip": per_address}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[Key]) -> float:
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self._limits[key[0]]:
                    wait = max(wait, failures[0] + self._window - now)
        return wait

    def failed(self, keys: Iterable[Key]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._prune(now)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, keys: Iterable[Key]) -> None:
        with self._lock:
            for key in keys:
                if key[0] == "user":
                    self._failures.pop(key, None)

    def _recent(self, key: Key, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self._window]:
            del self._failures[key]
        while len(self._failures) >= MAX_TRACKED_KEYS:  # still full: forget the oldest entries
            del self._failures[next(iter(self._failures))]


def login_keys(user_name: str, address: str | None) -> list[Key]:
    return [("user", user_name.lower()), ("ip", address or "unknown")]
