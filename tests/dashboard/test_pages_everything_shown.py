"""Issue 14 on the served pages: a snapshot with one object the board cannot read is drawn with a notice in
the viewer's language, and the stage card shows what the objects say (Flask test client, real templates)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from dashboard.app import create_app
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from tests.dashboard import factories as f
from tests.dashboard.board_client import ManualClock

FIXTURES = Path(__file__).parent / "fixtures"


def page(snapshot: Path, language: str) -> str:
    settings = Settings(source="snapshot", snapshot_path=str(snapshot), refresh_seconds=3600)
    runtime = Runtime(settings, clock=ManualClock())
    try:
        client = create_app(settings, runtime=runtime).test_client()
        return client.get(f"/?lang={language}").get_data(as_text=True)
    finally:
        runtime.stop()


@pytest.fixture
def issue_snapshot(tmp_path: Path) -> Iterator[Path]:
    """dev runs a Promotion Kargo recorded without spec.steps; an Application with a ComparisonError; a hold;
    a rejected Freight; an Application and a Promotion no Stage claims; a Freight the board cannot read."""
    current, rejected = f.freight("calm-heron", currently_in={"dev": -30}), f.freight("sour-lemon")
    rejected["status"] = {"rejected": {"actor": "alice", "time": f.at(-3), "reason": "CVE-2026-1"}}
    running = f.promotion("dev", current, phase="Running", current_step=1)
    del running["spec"]["steps"]
    dev = f.stage(
        "dev",
        requests=[f.request(direct=True)],
        current=[current],
        current_promotion=running["metadata"]["name"],
        auto_promotion=True,
    )
    dev["status"]["autoPromotionHolds"] = {
        "Warehouse/userapp": {
            "freightName": current["metadata"]["name"],
            "origin": {"kind": "Warehouse", "name": "userapp"},
            "promotionName": "dev.hold",
        }
    }
    app = f.application("dev")
    app["status"]["conditions"] = [{"type": "ComparisonError", "message": "repo not found"}]
    app["status"].pop("operationState", None)
    queued = f.promotion("dev", current, seq=2)
    queued.pop("status", None)  # created, not picked up by Kargo yet
    broken = copy.deepcopy(f.freight("odd-one"))
    broken["status"] = {"verifiedIn": ["dev"]}
    items = [
        f.warehouse(),
        dev,
        current,
        rejected,
        running,
        queued,
        app,
        broken,
        f.promotion("qa", current),
        f.application("nowhere", name="lonely-app", authorized="other:dev"),
    ]
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}), encoding="utf-8")
    yield path


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "pt-BR",
            [
                "ficou fora do quadro",
                "passo 2 de ?",
                "Na fila: calm-heron",
                "para o Kargo: Unhealthy",
                "ComparisonError: repo not found",
                "Rejeitada por alice",
                "Sem Stage no quadro",
                "lonely-app",
                "Auto-promoção retida em calm-heron",
                " BRT",
            ],
        ),
        (
            "en",
            [
                "was left out of the board",
                "step 2 of ?",
                "Queued: calm-heron",
                "to Kargo: Unhealthy",
                "ComparisonError: repo not found",
                "Rejected by alice",
                "Not claimed by any Stage",
                "lonely-app",
                "Auto-promotion held at calm-heron",
                " BRT",
            ],
        ),
    ],
)
def test_the_board_shows_everything_and_names_what_it_left_out(
    issue_snapshot: Path, language: str, expected: list[str]
) -> None:
    html = page(issue_snapshot, language)
    assert 'data-stage="dev"' in html
    missing = [text for text in expected if text not in html]
    assert not missing, missing
