"""The Kargo oracles as long-running processes: one JSON case per line in, one answer per line out.

`scripts/build-kargo-oracle.sh` builds them (KARGO_ORACLE_DIR, set by scripts/run-tests.sh, names the folder;
without it the script is run here, which reuses its cache). Cases go in batches: a batch is written whole,
then its answers are read, each read bounded by a deadline.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.harness.processes import HarnessError

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSWER_TIMEOUT = 30.0  # seconds for one batch's answers; the oracles answer in microseconds per case


def oracle_dir() -> Path:
    configured = os.environ.get("KARGO_ORACLE_DIR")
    if configured:
        return Path(configured)
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "build-kargo-oracle.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if result.returncode != 0:
        raise HarnessError(f"scripts/build-kargo-oracle.sh failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip())


class LineOracle:
    """A child process that answers each JSON line with one JSON line, in order."""

    def __init__(self, command: Sequence[str], name: str) -> None:
        self.name = name
        self._proc = subprocess.Popen(  # pylint: disable=consider-using-with  # closed in close()
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin = self._proc.stdin
        self._stdout = self._proc.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout, selectors.EVENT_READ)
        self._buffer = b""
        self.cases = 0

    def ask(self, cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The answers to `cases`, in order."""
        payload = b"".join(json.dumps(case).encode() + b"\n" for case in cases)
        self._stdin.write(payload)
        self._stdin.flush()
        deadline = time.monotonic() + ANSWER_TIMEOUT
        answers = [json.loads(self._read_line(deadline)) for _ in cases]
        self.cases += len(cases)
        return answers

    def _read_line(self, deadline: float) -> bytes:
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(timeout=left):
                raise HarnessError(f"{self.name}: no answer within {ANSWER_TIMEOUT:.0f}s")
            chunk = os.read(self._stdout.fileno(), 1 << 16)
            if not chunk:
                raise HarnessError(f"{self.name}: exited with code {self._proc.wait(timeout=5)}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def close(self) -> None:
        self._selector.close()
        self._stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._stdout.close()


def kargo_oracle(directory: Path) -> LineOracle:
    """Kargo's Go code: `stage`, `appHealth` and `duration` cases (tests/oracle/kargo/main.go)."""
    return LineOracle([str(directory / "kargo-oracle")], "kargo-oracle")


def stage_phase_oracle(directory: Path) -> LineOracle:
    """The Kargo UI's getStagePhase under Node: one Stage per line, `{"phase"}` back."""
    return LineOracle(["node", str(directory / "stage-phase.mjs")], "kargo-ui stage phase")
