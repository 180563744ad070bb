"""The Kargo oracles, one process each for the whole session (built once: scripts/build-kargo-oracle.sh)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oracle.oracles import LineOracle, kargo_oracle, oracle_dir, stage_phase_oracle


@pytest.fixture(scope="session")
def kargo() -> Iterator[LineOracle]:
    oracle = kargo_oracle(oracle_dir())
    yield oracle
    oracle.close()


@pytest.fixture(scope="session")
def kargo_ui() -> Iterator[LineOracle]:
    oracle = stage_phase_oracle(oracle_dir())
    yield oracle
    oracle.close()
