"""Build the benchmarks' Go tools (load generators) once per source version, cached outside the repo."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path


class GoBuildError(RuntimeError):
    """Go is missing or the tool does not compile; the message says which."""


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "promotion-board"


def build_go_tool(source: Path, name: str) -> Path:
    """Compile the Go module in `source` into the cache (keyed by its sources' hash) and return the binary."""
    files = sorted(p for p in source.iterdir() if p.name in {"go.mod", "go.sum"} or p.suffix == ".go")
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()[:16]
    binary = cache_root() / name / digest / name
    if binary.exists():
        return binary
    go = shutil.which("go")
    if go is None:
        raise GoBuildError(f"Go is not installed: {source} needs Go >= 1.26 to build")
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "CGO_ENABLED": "0",
        "GOFLAGS": "-mod=readonly",
    }
    built = subprocess.run(  # noqa: S603 - our own sources
        [go, "build", "-trimpath", "-o", str(partial), "."],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        raise GoBuildError(f"building {source} failed:\n{built.stderr}")
    partial.rename(binary)
    return binary
