"""The repository stands alone: a copy with no ../shared beside it runs the harness and the docs checks.

CI on this machine keeps ../shared next to the checkout, so the test makes its own copy somewhere that has
none. Only build scripts that take a local source archive may name ../shared (when GitHub is out of reach).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.helpers import copy_repository, pytest_in, tracked_files

REPO = Path(__file__).resolve().parents[1]
# Build scripts that may read a local source archive from ../shared/third_party when GitHub is not reachable.
MAY_NAME_SHARED = {"tests/test_self_contained.py", "scripts/lib/third-party-source.sh"} | {
    str(p.relative_to(REPO)) for p in (REPO / "scripts").glob("build-*.sh")
}

pytestmark = pytest.mark.timeout(600)


def test_no_file_reads_or_cites_the_shared_folder() -> None:
    offenders = []
    for name in tracked_files():
        if name in MAY_NAME_SHARED:
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if "../shared" in text:
            offenders.append(name)
    assert not offenders, f"these files still name ../shared: {offenders}"


def test_a_copy_without_shared_runs_the_harness_and_docs_checks(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "fork")
    assert not (copy.parent / "shared").exists()
    result = pytest_in(copy, ["tests/harness/test_kube.py", "tests/docs"], timeout=540)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
