"""`make rehearse`: the talk's story on the simulator, driven by scripted key presses, judged by the board."""

from __future__ import annotations

import io
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.commands.rehearse import ERROR_MESSAGE, FEATURE_MESSAGE, FIX_MESSAGE, QA, Story, main, rehearse
from dashboard.model import Board, build_board
from dashboard.model.types import FreightView
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from tests.harness.processes import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 9, 20, 15, 0, tzinfo=UTC)
# Long enough for a promotion with its sync, rollout and verification, and for a stuck rollout's deadline.
SETTLE = timedelta(seconds=60)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def runtime(clock: FakeClock) -> Iterator[Runtime]:
    """The board's Runtime on the simulator, as `rehearse` starts it, with time in the test's hands."""
    board_runtime = Runtime(Settings(refresh_seconds=3600), clock=clock)
    board_runtime.start()
    yield board_runtime
    board_runtime.stop()


def board_of(runtime: Runtime, clock: FakeClock) -> Board:
    return build_board(runtime.store.snapshot().objects, project="userapp", now=clock.now)


def positions(board: Board) -> tuple[str, ...]:
    """The Freight (alias) each Stage runs: (dev, stg, prod)."""
    return tuple(
        ",".join(item.alias for item in board.stage(name).current_freight) for name in ("dev", "stg", "prod")
    )


def freight(board: Board, alias: str) -> FreightView:
    return next(item for item in board.freight if item.alias == alias)


def verified(board: Board, stage: str) -> bool:
    verification = board.stage(stage).verification
    return (
        board.stage(stage).state.phase == "Ready"
        and verification is not None
        and (verification.phase == "Successful")
    )


def settle(runtime: Runtime, clock: FakeClock) -> None:
    """The speaker talks for a minute: the simulator catches up, second by second."""
    assert runtime.simulator is not None
    end = clock.now + SETTLE
    while clock.now < end:
        clock.now += timedelta(seconds=1)
        runtime.simulator.advance(clock.now)


def test_the_story_step_by_step(runtime: Runtime, clock: FakeClock) -> None:
    assert runtime.simulator is not None
    story = Story(runtime.simulator)
    before = board_of(runtime, clock)
    boards: list[Board] = []

    def keys() -> Iterator[str]:
        """Enter five times, the board settling in between; the board after each step is kept."""
        for _ in story.steps:
            yield "\n"
            settle(runtime, clock)
            boards.append(board_of(runtime, clock))
        yield "\n"  # after the last step: Enter ends the rehearsal

    out = io.StringIO()
    assert rehearse(story, keys(), out) == 5
    assert story.feature and story.error and story.fix
    feature, error, fix = story.feature["alias"], story.error["alias"], story.fix["alias"]
    _, old_stg, old_prod = positions(before)
    assert len({feature, error, fix, old_stg, old_prod}) == 5

    # 1 CI pushes an image: new Freight, dev promotes it by itself and verifies it.
    assert positions(boards[0]) == (feature, old_stg, old_prod) and verified(boards[0], "dev")
    assert freight(boards[0], feature).commits[0].message == FEATURE_MESSAGE
    assert "stg" in freight(boards[0], feature).promotable_to
    # 2 QA approves stg.
    assert positions(boards[1]) == (feature, feature, old_prod) and verified(boards[1], "stg")
    last = boards[1].stage("stg").last_promotion
    assert last is not None and last.actor_annotation == QA and last.phase == "Succeeded"
    # 3 The PO approves prod.
    assert positions(boards[2]) == (feature, feature, feature) and verified(boards[2], "prod")
    # 4 The error build is caught in dev: deployed, never healthy, never verified, never offered to stg.
    assert positions(boards[3]) == (error, feature, feature)
    assert boards[3].stage("dev").health.status == "Unhealthy" and not verified(boards[3], "dev")
    broken = freight(boards[3], error)
    assert broken.commits[0].message == ERROR_MESSAGE
    assert "dev" not in broken.verified_in and "stg" not in broken.promotable_to
    assert broken.name not in boards[3].stage("stg").promotable_freight
    # 5 The fix goes through dev and may go on to stg; the error build stays behind.
    assert positions(boards[4]) == (fix, feature, feature) and verified(boards[4], "dev")
    assert boards[4].stage("dev").health.status == "Healthy"
    assert freight(boards[4], fix).commits[0].message == FIX_MESSAGE
    assert "stg" in freight(boards[4], fix).promotable_to
    assert "stg" not in freight(boards[4], error).promotable_to

    text = out.getvalue()
    assert [int(n) for n in re.findall(r"^\[(\d)/5\]", text, re.M)] == [1, 2, 3, 4, 5]
    assert "Fim da história" in text


def test_a_step_too_early_is_refused_and_tried_again(runtime: Runtime, clock: FakeClock) -> None:
    assert runtime.simulator is not None
    story = Story(runtime.simulator)

    def keys() -> Iterator[str]:
        yield "\n"  # 1: the build lands in dev ...
        yield "\n"  # 2: ... but QA is too quick: dev has not verified it yet
        settle(runtime, clock)
        yield "\n"  # 2 again, now it is available to stg
        yield "q\n"

    out = io.StringIO()
    assert rehearse(story, keys(), out) == 2
    text = out.getvalue()
    assert "Ainda não:" in text and 'is not available to Stage "stg"' in text
    assert re.findall(r"^\[(\d)/5\]", text, re.M) == ["1", "2"]  # steps done (not the "Próximo:" lines)


def test_q_quits_at_once(runtime: Runtime) -> None:
    assert runtime.simulator is not None
    freight_before = len(runtime.store.snapshot().of("Freight"))
    out = io.StringIO()
    assert rehearse(Story(runtime.simulator), iter(["q\n", "\n"]), out) == 0
    assert len(runtime.store.snapshot().of("Freight")) == freight_before


def test_the_rehearsal_messages_are_the_scenarios_commits() -> None:
    subjects = [
        (REPO_ROOT / "demo" / "scenarios" / name / "message").read_text().splitlines()[0]
        for name in ("01-boas-vindas", "03-erro-tls-obrigatorio", "04-correcao-tls-configuravel")
    ]
    assert subjects == [FEATURE_MESSAGE, ERROR_MESSAGE, FIX_MESSAGE]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the local board
        assert response.status == 200
        return response.read().decode()


def test_rehearse_serves_the_board_it_drives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # the audit log's default file
    monkeypatch.delenv("DASHBOARD_SOURCE", raising=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out = io.StringIO()
    seen: dict[str, str] = {}

    def keys() -> Iterator[str]:
        seen["before"] = fetch(f"{base}/")
        yield "\n"  # step 1: a new build
        alias = re.search(r"Freight (\S+) \(tag", out.getvalue())
        assert alias, out.getvalue()
        for _ in range(100):  # the publisher re-renders on the store's change
            if alias.group(1) in (page := fetch(f"{base}/")):
                seen["after"] = page
                break
            time.sleep(0.1)
        yield "q\n"

    assert main(["--host", "127.0.0.1", "--port", str(port)], lines=keys(), out=out) == 0
    assert 'data-stage="dev"' in seen["before"]
    assert "after" in seen, "the new Freight never showed on the served board"
    assert f"Quadro: {base}/" in out.getvalue() and "[1/5] O CI publica uma imagem nova" in out.getvalue()


def test_rehearse_refuses_a_bad_port() -> None:
    assert main(["--port", "70000"], lines=iter(()), out=io.StringIO()) == 2
