"""The projector, the audience page and the board's flow in real headless Chromium, on the simulator and on
a five-node diamond snapshot: they fit, nothing overflows, axe-core finds nothing serious, the QR code decodes
to the audience URL, cards stay put while a promotion runs. Screenshots land in page_checks.SCREENSHOTS."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from dashboard.runtime import Runtime
from dashboard.settings import Settings
from dashboard.views.streams import KEEPALIVE_SECONDS
from tests.dashboard import diamond, factories
from tests.dashboard.board_client import ManualClock
from tests.dashboard.board_page import open_page
from tests.dashboard.page_checks import (
    KEY_FACTS,
    card_boxes,
    decode_qr,
    overflowing,
    page_size,
    screenshot,
    smallest_font_px,
)
from tests.dashboard.server import LiveBoard, live_board
from tests.harness.axe import severe_violations
from tests.harness.browser import chromium

pytestmark = pytest.mark.browser
WAIT_MS = 10_000  # for the live stream to carry a change to the page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Scene:
    name: str
    live: LiveBoard
    stages: int
    edges: int
    clock: ManualClock | None  # the simulator's; None for the snapshot

    def open(self, browser: Browser, path: str, problems: list[str], **options) -> Page:
        page = open_page(browser, self.live.url + path, problems, **options)
        expect(page.locator("[data-testid=flow-card]")).to_have_count(self.stages)
        page.wait_for_function("window.htmx !== undefined")
        return page


@pytest.fixture(params=["simulator", "diamond"])
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scene]:
    with ExitStack() as stack:
        yield stack.enter_context(_scene(request.param, tmp_path))


@contextmanager
def _scene(name: str, tmp_path: Path) -> Iterator[Scene]:
    if name == "simulator":
        clock = ManualClock()
        with live_board(Runtime(Settings(refresh_seconds=3600), clock=clock)) as live:
            yield Scene("simulator", live, stages=3, edges=3, clock=clock)
    else:
        snapshot = diamond.write_snapshot(tmp_path / "diamond.yaml")
        settings = Settings(source="snapshot", snapshot_path=str(snapshot), refresh_seconds=3600)
        with live_board(Runtime(settings, clock=lambda: diamond.SNAPSHOT_TIME)) as live:
            yield Scene("diamond", live, stages=4, edges=5, clock=None)


@pytest.mark.parametrize(
    ("width", "height", "theme"), [(1920, 1080, "dark"), (1280, 720, "dark"), (1920, 1080, "light")]
)
def test_projector_reads_from_the_back_row(
    browser: Browser, scene: Scene, width: int, height: int, theme: str
):
    problems: list[str] = []
    page = scene.open(
        browser, f"/projector?theme={theme}", problems, viewport={"width": width, "height": height}
    )
    assert page.evaluate("t => document.documentElement.classList.contains(`theme-${t}`)", theme)
    assert page_size(page) == (width, height), "the projector must not scroll"
    for stage, (x, y, w, h) in card_boxes(page).items():
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height, (stage, x, y, w, h)
    assert overflowing(page) == []
    assert smallest_font_px(page, KEY_FACTS) >= 32 * height / 1080 - 0.5
    # The flow: one arrow per requestedFreight source, an arrowhead into every Stage.
    expect(page.locator("svg.flow-arrows path.edge")).to_have_count(scene.edges)
    # The QR code: a quarter of the screen high at least, decoding to the audience URL written beside it.
    audience_url = scene.live.runtime.audience_url
    qr = page.locator("[data-testid=qr] svg")
    box = qr.bounding_box()
    assert box is not None and box["height"] >= height / 4, box
    assert decode_qr(qr.screenshot()) == [audience_url]
    assert page.locator("[data-testid=audience-url]").inner_text().replace("\n", "") == audience_url
    # Times carry their zone.
    expect(page.locator("[data-testid=zone]")).to_have_text("horários em BRT")
    assert re.search(r"\d\d:\d\d:\d\d BRT", page.locator("[data-testid=source-status]").inner_text())
    assert severe_violations(page) == []
    screenshot(page, f"projector-{scene.name}-{width}x{height}-{theme}")
    assert not problems, problems


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_five_stages_in_a_row_fit_the_projector(browser: Browser, tmp_path: Path, width: int, height: int):
    """The widest pipeline the projector is made for: the audience panel goes under the flow."""
    names = ["dev", "qa", "uat", "stg", "prod"]
    item = factories.freight("fuzzy-harbor", currently_in=dict.fromkeys(names, -10))
    stages = [
        factories.stage(
            name,
            requests=[
                factories.request(direct=True) if index == 0 else factories.request(stages=[names[index - 1]])
            ],
            current=[item],
            verifications=[factories.verification()],
        )
        for index, name in enumerate(names)
    ]
    snapshot = tmp_path / "chain.yaml"
    snapshot.write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [factories.warehouse(), item, *stages]})
    )
    settings = Settings(source="snapshot", snapshot_path=str(snapshot), refresh_seconds=3600)
    with live_board(Runtime(settings, clock=lambda: factories.NOW)) as live:
        scene = Scene("chain", live, stages=5, edges=5, clock=None)
        problems: list[str] = []
        page = scene.open(browser, "/projector", problems, viewport={"width": width, "height": height})
        assert page_size(page) == (width, height)
        assert overflowing(page) == []
        assert smallest_font_px(page, KEY_FACTS) >= 32 * height / 1080 - 0.5
        qr = page.locator("[data-testid=qr] svg")
        box = qr.bounding_box()
        assert box is not None and box["height"] >= height / 4, box
        assert decode_qr(qr.screenshot()) == [live.runtime.audience_url]
        assert severe_violations(page) == []
        screenshot(page, f"projector-chain-{width}x{height}")
        assert not problems, problems


def test_projector_follows_a_promotion_and_cards_stay_put(browser: Browser, scene: Scene):
    problems: list[str] = []
    page = scene.open(browser, "/projector", problems, viewport={"width": 1920, "height": 1080})
    page.wait_for_timeout(300)  # let the stream connect before the change it carries
    before = card_boxes(page)
    if scene.clock is not None:
        simulator = scene.live.runtime.simulator
        assert simulator is not None
        simulator.new_freight(backend_tag="feed0001", frontend_tag="feed0002")
        scene.clock.advance(2.5)  # dev auto-promotes it: picked up, then the first steps run
        target, step = "dev", re.compile(r"passo [2-7] de 7")
    else:
        _advance_running_promotion(scene.live.runtime)
        target, step = diamond.RUNNING_INTO, re.compile("passo 4 de 5: git-push")
    card = page.locator(f"[data-flow-stage={target}][data-testid=flow-card]")
    expect(card.locator("[data-testid=step]")).to_have_text(step, timeout=WAIT_MS)
    expect(card.locator("[data-testid=progress]")).to_be_visible()
    transit = page.locator(f"[data-testid=transit][data-flow-stage={target}]")
    expect(transit).to_be_visible()
    expect(page.locator(f"path.edge.active[data-to={target}]")).to_have_count(1)
    assert card_boxes(page) == before  # no layout shift
    assert overflowing(page) == []
    screenshot(page, f"projector-{scene.name}-promotion")
    assert not problems, problems


def _advance_running_promotion(runtime: Runtime) -> None:
    """The diamond's running Promotion reaches step 4 (git-push), as Kargo's controller would write it."""
    running = next(
        item for item in runtime.store.snapshot().of("Promotion") if item["status"].get("phase") == "Running"
    )
    updated = copy.deepcopy(running)
    steps = updated["status"]["stepExecutionMetadata"]
    steps[-1] |= {"status": "Succeeded", "finishedAt": steps[-1]["startedAt"]}
    steps.append(
        {"alias": "git-push", "status": "Running", "startedAt": steps[-1]["startedAt"], "errorCount": 0}
    )
    updated["status"]["currentStep"] = 3
    runtime.store.upsert("Promotion", updated)


def test_a_failed_promotion_shows_the_failing_step_and_its_message(browser: Browser, tmp_path: Path):
    with _scene("diamond", tmp_path) as scene:
        problems: list[str] = []
        page = scene.open(browser, "/projector", problems, viewport={"width": 1920, "height": 1080})
        page.wait_for_timeout(300)  # let the stream connect before the change it carries
        before = card_boxes(page)
        failed, qa = diamond.failed_promotion_into_qa()
        scene.live.runtime.store.upsert("Promotion", failed)
        scene.live.runtime.store.upsert("Stage", qa)
        card = page.locator(f"[data-flow-stage={diamond.RUNNING_INTO}][data-testid=flow-card]")
        expect(card.locator("[data-testid=flow-failure]")).to_have_text(
            f"falhou em git-push: {diamond.FAILURE}", timeout=WAIT_MS
        )
        expect(card.locator("[data-testid=flow-phase]")).to_have_text("Falhou")
        expect(page.locator("[data-testid=transit]")).to_have_count(0)
        assert card_boxes(page) == before
        assert overflowing(page) == []
        screenshot(page, "projector-diamond-failed")
        assert not problems, problems


def test_audience_page_on_a_phone(browser: Browser, scene: Scene):
    problems: list[str] = []
    page = scene.open(
        browser, "/watch", problems, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    assert page.locator("button, form, input, select, textarea").count() == 0
    assert page_size(page)[0] <= 390, "no sideways scrolling"
    boxes = card_boxes(page)
    assert len({x for x, _, _, _ in boxes.values()}) == 1, boxes  # one column
    assert overflowing(page) == []
    assert severe_violations(page) == []
    screenshot(page, f"watch-{scene.name}-390x844")
    if scene.clock is not None:  # live: a new build lands in dev while the phone watches
        simulator = scene.live.runtime.simulator
        assert simulator is not None
        page.wait_for_timeout(300)
        simulator.new_freight(backend_tag="feed0003", frontend_tag="feed0004")
        scene.clock.advance(2.5)
        expect(page.locator("[data-flow-stage=dev] [data-testid=flow-promotion]")).to_be_visible(
            timeout=WAIT_MS
        )
    assert not problems, problems


def test_board_shows_the_flow_above_the_cards_and_the_lane(browser: Browser, scene: Scene):
    problems: list[str] = []
    page = scene.open(browser, "/", problems, viewport={"width": 1440, "height": 900})
    flow = page.locator("[data-testid=flow]").bounding_box()
    cards = page.locator("section.pipeline").bounding_box()
    lane = page.locator("section.lane").bounding_box()
    assert flow is not None and cards is not None and lane is not None
    assert flow["y"] + flow["height"] <= cards["y"] <= lane["y"]
    expect(page.locator("svg.flow-arrows path.edge")).to_have_count(scene.edges)
    assert (
        overflowing(page, ".flow .flow-node, .flow .flow-node h2, .flow .flow-node p, .transit .token") == []
    )
    assert severe_violations(page) == []
    screenshot(page, f"board-{scene.name}-1440x900")
    assert not problems, problems


def test_projector_counts_the_audience(browser: Browser):
    with live_board(Runtime(Settings(refresh_seconds=3600), clock=ManualClock())) as live:
        scene = Scene("simulator", live, stages=3, edges=3, clock=None)
        problems: list[str] = []
        projector = scene.open(browser, "/projector", problems, viewport={"width": 1280, "height": 720})
        count = projector.locator("[data-testid=audience-count]")
        expect(count).to_have_text("0 pessoas assistindo agora")
        phones = [
            scene.open(browser, "/watch", problems, viewport={"width": 390, "height": 844}) for _ in range(2)
        ]
        expect(count).to_have_text("2 pessoas assistindo agora", timeout=WAIT_MS)
        phones[0].context.close()
        # The server learns that a stream is gone when it next writes to it: the keepalive at the latest.
        expect(count).to_have_text("1 pessoa assistindo agora", timeout=(KEEPALIVE_SECONDS + 5) * 1000)
        assert not problems, problems
