"""Build the benchmarks' Go tools (load generators) once per source version, cached outside the repo."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path


class GoBuildError(RuntimeError):
    """Go is missing or the tool does not compile; the message says which."""


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "promotion-board"


def build_go_tool(source: Path, name: str, replace: Mapping[str, Path] | None = None) -> Path:
    """Compile the Go module in `source` into the cache (keyed by its sources' hash) and return the binary.
    `replace` maps module paths to local source trees (a `replace` added to a copy of go.mod at build time:
    the committed go.mod names no path of this machine)."""
    replace = dict(replace or {})
    files = sorted(p for p in source.iterdir() if p.name in {"go.mod", "go.sum"} or p.suffix == ".go")
    keyed = b"".join(p.name.encode() + p.read_bytes() for p in files)
    keyed += b"".join(f"{module}={path}".encode() for module, path in sorted(replace.items()))
    digest = hashlib.sha256(keyed).hexdigest()[:16]
    binary = cache_root() / name / digest / name
    if binary.exists():
        return binary
    go = shutil.which("go")
    if go is None:
        raise GoBuildError(f"Go is not installed: {source} needs Go >= 1.26 to build")
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "CGO_ENABLED": "0",
        "GOFLAGS": "-mod=readonly",
    }
    with tempfile.TemporaryDirectory(prefix=f"{name}-build-") as tmp:
        workdir = Path(tmp)
        for path in files:
            shutil.copy2(path, workdir / path.name)
        for module, path in replace.items():
            if not (path / "go.mod").exists():
                raise GoBuildError(f"{path} is not a Go module (no go.mod): cannot replace {module} with it")
            _go(go, ["mod", "edit", f"-replace={module}={path}"], workdir, env)
        # A partial file of this process's own, renamed into place: two builds at once never write one file,
        # and an interrupted build never leaves a binary that looks finished.
        partial = binary.with_name(f".{name}.{os.getpid()}.partial")
        _go(go, ["build", "-trimpath", "-o", str(partial), "."], workdir, env, what=f"building {source}")
        partial.replace(binary)
    return binary


def _go(go: str, args: list[str], cwd: Path, env: Mapping[str, str], what: str = "") -> None:
    done = subprocess.run(  # noqa: S603 - our own sources
        [go, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise GoBuildError(f"{what or 'go ' + ' '.join(args)} failed:\n{done.stderr}")
