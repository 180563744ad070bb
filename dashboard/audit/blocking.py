"""Database calls off the gevent hub.

The board serves every page and stream from one gevent worker. A database driver blocks inside C code (SQLite
waiting on a lock, libpq on a slow server), which gevent cannot switch away from: without this, one POST
waiting for a locked audit database stopped every page and stream of the process. Under gevent, each audit
call runs in the hub's pool of native threads and only the greenlet that asked waits; without gevent (tests,
the CLI) it runs in place.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

Param = ParamSpec("Param")
Result = TypeVar("Result")


def gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


_IN_POOL: set[int] = set()  # native thread ids running an off_the_hub call (nested calls run in place)


def off_the_hub(function: Callable[Param, Result]) -> Callable[Param, Result]:
    @functools.wraps(function)
    def call(*args: Param.args, **kwargs: Param.kwargs) -> Result:
        if not gevent_patched() or _native("get_ident")() in _IN_POOL:
            return function(*args, **kwargs)

        def in_pool() -> Result:
            ident = _native("get_ident")()
            _IN_POOL.add(ident)
            try:
                return function(*args, **kwargs)
            finally:
                _IN_POOL.discard(ident)

        from gevent import get_hub  # pylint: disable=import-outside-toplevel  # only under gevent

        return get_hub().threadpool.apply(in_pool)

    return call


def native_rlock() -> threading.RLock:
    """A lock that works across the native threads `off_the_hub` uses (gevent's patched one would not)."""
    return _native("RLock")()


def native_lock() -> threading.Lock:
    return _native("Lock")()


def _native(name: str):
    if gevent_patched():
        from gevent.monkey import get_original  # pylint: disable=import-outside-toplevel

        return get_original("threading", name)
    return getattr(threading, name)
