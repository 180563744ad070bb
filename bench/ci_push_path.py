"""The CI's push path (job `images` on main, .github/workflows/ci.yml) run locally, step by step, in order.

There is no Docker daemon here, so each image's build runs its Dockerfile's work natively in a fresh clone:
the same commands (npm ci + vite build; a virtualenv with `pip install --require-hashes` from the lock; the
package itself), on this machine's CPU, downloading from the public registries. Two cases:

- cold: nothing cached (new npm and pip caches), as a first build or a change of dependencies;
- warm: the dependency layers cached (what the GitHub Actions cache holds from the previous main build), so
  only the layers after the sources change are rebuilt.

The three images are built by three parallel jobs on CI: the job time is the slowest image, the sum is what
one machine doing them in order takes. Not measured here: the runner's start, QEMU for the arm64 half, and the
registry push. `make bench-ci` prints the numbers; presentation/runbook.md quotes them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
UV = REPO / ".bootstrap" / "bin" / "uv"
# The build steps whose Docker layers come after the COPY of the sources: a commit that changes only code
# reruns these (the board's image then only copies dashboard/ over its cached virtualenv).
AFTER_THE_SOURCES = {"npm run build", "pip install . && compileall"}


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


Step = tuple[str, Callable[[], object]]


def timed(label: str, action: Callable[[], object], results: list[tuple[str, float]]) -> None:
    start = time.monotonic()
    action()
    results.append((label, time.monotonic() - start))
    print(f"  {label:<58} {results[-1][1]:7.1f} s", flush=True)  # noqa: T201


def python_image(clone: Path, work: Path, requirements: Path, package: Path | None, cold: bool) -> list[Step]:
    """The Python Dockerfiles' build stage: a virtualenv, the hashed requirements, then the package."""
    venv = work / "venv"
    pip_env = {"PIP_NO_CACHE_DIR": "1"} if cold else {"PIP_CACHE_DIR": str(work.parent / "pip-cache")}
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    steps: list[Step] = [
        ("python -m venv", lambda: sh([sys.executable, "-m", "venv", str(venv)], clone)),
        (
            "pip install --require-hashes -r requirements.txt",
            lambda: sh([*pip, "--require-hashes", "-r", str(requirements)], clone, pip_env),
        ),
    ]
    if package is not None:
        steps.append(
            (
                "pip install . && compileall",
                lambda: (
                    sh([*pip, "--force-reinstall", str(package)], clone, pip_env),
                    sh([str(venv / "bin" / "python"), "-m", "compileall", "-q", str(venv)], clone),
                ),
            )
        )
    return steps


def image_steps(name: str, clone: Path, work: Path, cold: bool) -> list[Step]:
    work.mkdir(parents=True)
    if name == "userapp-frontend":
        frontend = clone / "userapp" / "frontend"
        npm_env = {"npm_config_cache": str(work / "npm-cache") if cold else str(work.parent / "npm-cache")}
        return [
            ("npm ci", lambda: sh(["npm", "ci", "--no-audit", "--no-fund"], frontend, npm_env)),
            ("npm run build", lambda: sh(["npm", "run", "build"], frontend, npm_env)),
        ]
    if name == "userapp-backend":
        backend = clone / "userapp" / "backend"
        return python_image(clone, work, backend / "requirements.txt", backend, cold)
    requirements = work / "requirements.txt"
    export = [
        str(UV),
        "export",
        "--quiet",
        "--frozen",
        "--no-dev",
        "--no-emit-workspace",
        "--package",
        "promotion-board",
        "-o",
        str(requirements),
    ]
    return [
        ("uv export --frozen", lambda: sh(export, clone)),
        *python_image(clone, work, requirements, None, cold),
    ]


def workflow_steps(clone: Path, scratch: Path, results: list[tuple[str, float]]) -> list[str]:
    """The images job's checkout and `run:` steps, in order; returns its matrix's images."""
    job = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["images"]
    output = scratch / "github_output"
    output.write_text("", encoding="utf-8")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    env = {"GITHUB_SHA": sha.stdout.strip(), "GITHUB_OUTPUT": str(output)}
    clone_command = ["git", "clone", "--quiet", "--depth", "1", f"file://{REPO}", str(clone)]
    for step in job["steps"]:
        if step.get("uses", "").startswith("actions/checkout@"):
            shutil.rmtree(clone, ignore_errors=True)
            timed("checkout (git clone --depth 1)", lambda: sh(clone_command, scratch), results)
        elif "run" in step:
            command = ["bash", "-e", "-c", step["run"]]
            timed(f"run: {step['name']}", lambda c=command: sh(c, clone, env), results)
    return [entry["image"] for entry in job["strategy"]["matrix"]["include"]]


def run_steps(case: str, clone: Path, scratch: Path) -> tuple[float, dict[str, float]]:
    """The push path in order; returns (checkout + tag + names time, time per image)."""
    results: list[tuple[str, float]] = []
    print(f"\n{case}:")  # noqa: T201
    images = workflow_steps(clone, scratch, results)
    common = sum(seconds for _, seconds in results)
    per_image = {}
    for image in images:
        before = len(results)
        steps = image_steps(image, clone, scratch / case / image, cold=case == "cold")
        if case == "warm":  # the dependency layers come from the cache: prime them, time only the rest
            for label, action in steps:
                if label not in AFTER_THE_SOURCES:
                    action()
            steps = [(label, action) for label, action in steps if label in AFTER_THE_SOURCES]
        for label, action in steps:
            timed(f"{image}: {label}", action, results)
        per_image[image] = sum(seconds for _, seconds in results[before:])
    return common, per_image


def main() -> None:
    if not UV.exists():
        sys.exit("run `make setup-python` first (uv exports the board's requirements)")
    print(
        f"push path of {WORKFLOW.relative_to(REPO)} (job `images` on main), run here; load average "  # noqa: T201
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="ci-push-path-") as folder:
        scratch = Path(folder)
        for case in ("cold", "warm"):
            common, per_image = run_steps(case, scratch / f"clone-{case}", scratch)
            in_order = sum(per_image.values())
            slowest = max(per_image, key=per_image.__getitem__)
            print(  # noqa: T201
                f"  => {case}: checkout+tag+names {common:.1f} s; images in order {in_order:.1f} s; "
                f"path total in order {common + in_order:.1f} s; as CI's parallel jobs "
                f"{common + per_image[slowest]:.1f} s (slowest image: {slowest})"
            )


if __name__ == "__main__":
    main()
