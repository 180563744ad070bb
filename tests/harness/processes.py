"""Small process helpers shared by the PostgreSQL and Kubernetes harnesses."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

# PostgreSQL refuses to run as root; when the tests run as root its server runs as this account.
UNPRIVILEGED_USER = "nobody"


class HarnessError(RuntimeError):
    """A real test component could not be started; the message says which and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """For test assertions on what happens asynchronously: poll `check` until true, or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    proc: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    """Poll `check` until it is true; fail with the process log when it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise HarnessError(f"{what}: process exited with code {proc.returncode}\n{tail(log)}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # not ready yet
            pass
        time.sleep(0.1)
    raise HarnessError(f"{what}: not ready after {timeout:.0f}s\n{tail(log)}")


def tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@dataclass(kw_only=True)
class Components:
    """Processes a harness piece started, by name, with their logs."""

    logs: dict[str, Path] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def check_running(self) -> None:
        """Raise HarnessError naming the component that exited, with its last log lines."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise HarnessError(f"{name} exited with code {proc.returncode}\n{tail(self.logs[name])}")

    def diagnostics(self) -> str:
        """The last lines of every component's log, for a failing test's message."""
        return "\n".join(f"--- {name} ---\n{tail(log, 25)}" for name, log in self.logs.items())


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process does not leave in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def start_server(
    argv: list[str],
    log: Path,
    stack: ExitStack,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    group: bool = False,
) -> subprocess.Popen:
    """Start a long-running server, output to `log`, stopped when the ExitStack closes. With `group`, it
    gets a process group of its own and the whole group is stopped (for servers that prefork workers)."""
    if not Path(argv[0]).exists():
        raise HarnessError(f"{argv[0]} does not exist; run `make setup` to build or install it")
    with open(log, "wb") as log_file:
        # pylint: disable-next=consider-using-with
        proc = subprocess.Popen(  # noqa: S603 - the harness's own pinned binaries
            argv, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=group
        )
    stack.callback(stop_group if group else stop, proc)
    return proc


def stop_group(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM to the process group `proc` leads, then SIGKILL to what is left of it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the workers leave after their leader
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def running_as_root() -> bool:
    return os.geteuid() == 0


def give_to_unprivileged_user(path: Path) -> None:
    """chown a directory tree to the unprivileged account (only meaningful when running as root)."""
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def find_program(name: str, extra_dirs: list[str]) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in extra_dirs:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    raise HarnessError(f"{name} not found on PATH or in {extra_dirs}; run `make setup` to install it")
