"""The pages in real headless Chromium (Debian's, driven by Playwright): live updates, audience, projector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from dashboard.runtime import Runtime
from dashboard.settings import Settings
from tests.dashboard.board_page import confirm_action, log_in, open_page, open_promotion
from tests.dashboard.server import LiveBoard, live_board
from tests.harness.browser import chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def board() -> Iterator[LiveBoard]:
    with live_board(Runtime(Settings(refresh_seconds=3600))) as live:
        yield live


def test_board_updates_live_without_reload(browser: Browser, board: LiveBoard):
    problems: list[str] = []
    page = open_page(browser, f"{board.url}/", problems)
    page.evaluate("window.__marker = 'same document'")  # lost if the page reloads
    lane = page.locator("section.lane tbody tr")
    rows_before = lane.count()
    expect(page.locator("[data-testid=source-status]")).to_contain_text("ao vivo")
    page.wait_for_function("document.body.getAttribute('sse-connect') !== null && window.htmx !== undefined")
    page.wait_for_timeout(300)  # let the EventSource connect before the change
    assert board.runtime.simulator is not None
    freight = board.runtime.simulator.new_freight(backend_tag="feed0001", frontend_tag="feed0002")
    expect(page.locator(f"tr[data-freight='{freight['metadata']['name']}']")).to_be_visible(timeout=5000)
    assert lane.count() >= min(rows_before + 1, 25)
    assert page.evaluate("window.__marker") == "same document"
    # dev auto-promotes the new freight; its card changes phase while the promotion runs.
    expect(page.locator("[data-stage=dev] [data-testid=promotion]")).to_be_visible(timeout=10000)
    assert not problems, problems  # no CSP violations, no script errors


def test_audience_page_is_read_only_and_fits_a_phone(browser: Browser, board: LiveBoard):
    problems: list[str] = []
    page = open_page(
        browser,
        f"{board.url}/watch",
        problems,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    expect(page.locator("article.stage")).to_have_count(3)
    assert page.locator("button, form, input, select, textarea").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert not problems, problems


def test_projector_fits_1920x1080_without_scrolling(browser: Browser, board: LiveBoard):
    problems: list[str] = []
    page = open_page(browser, f"{board.url}/projector", problems, viewport={"width": 1920, "height": 1080})
    expect(page.locator("article.stage")).to_have_count(3)
    expect(page.locator(".audience svg")).to_be_visible()
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    # Every stage card is fully on screen.
    for box in (page.locator("article.stage").nth(i).bounding_box() for i in range(3)):
        assert box is not None and box["y"] + box["height"] <= 1080 and box["x"] + box["width"] <= 1920
    assert not problems, problems


def test_qa_logs_in_promotes_to_stg_and_sees_it_run_then_succeed(browser: Browser, board: LiveBoard):
    """The talk's moment: QA logs in, asks for stg, confirms what changes, and the board follows it live."""
    problems: list[str] = []
    passwords = {name: password for name, _, password in board.app.extensions["auth"].users.demo_logins()}
    page = open_page(browser, f"{board.url}/login", problems)
    log_in(page, board.url, "qa", passwords["qa"])
    # QA's buttons are on stg only.
    expect(page.locator("[data-stage=prod] [data-action]")).to_have_count(0)
    confirm = open_promotion(page, "stg")
    expect(confirm.locator("[data-testid=image-change]")).to_have_count(2)  # backend and frontend tags
    page.wait_for_timeout(300)  # let the stream settle before the change it will carry
    confirm_action(page, confirm, "promote-done")
    stg = page.locator("article[data-stage=stg]")
    expect(stg.locator("[data-testid=promotion]")).to_be_visible(timeout=15000)
    expect(stg.locator("[data-testid=requested-by]")).to_contain_text("pedido por qa")
    # Named on the last promotion only once ours is the last one (stg had an older one from the bootstrap).
    expect(stg.locator("[data-testid=approved-by]")).to_contain_text("aprovado por qa", timeout=30000)
    expect(stg.locator("[data-testid=last-promotion]")).to_contain_text("Succeeded")
    assert not problems, problems
