"""The board driven as a person drives it, in a real browser: open a page with its console watched, log in,
open a promotion's confirm step and confirm it (tests/dashboard/test_pages.py on the simulator,
tests/lab/test_real_pipeline.py on the real controllers)."""

from __future__ import annotations

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect


def open_page(browser: Browser, url: str, problems: list[str], **context_options) -> Page:
    """A new page at `url`; console errors and uncaught page errors are appended to `problems`."""
    page = browser.new_context(**context_options).new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    return page


def log_in(page: Page, board_url: str, name: str, password: str) -> None:
    """Log in through the login form; returns on the board, its live stream connected."""
    page.goto(f"{board_url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{board_url}/")
    expect(page.locator("[data-testid=who]")).to_contain_text(name)
    page.wait_for_function("document.body.getAttribute('sse-connect') !== null && window.htmx !== undefined")


def open_promotion(page: Page, stage: str, freight: str | None = None) -> Locator:
    """Click the stage's promote button (for `freight`, else the first one); returns the confirm step."""
    chosen = f"[data-freight='{freight}']" if freight else ""
    button = page.locator(f"[data-stage={stage}] a[data-action=promote]{chosen}").first
    expect(button).to_be_visible()
    button.click()
    confirm = page.locator("#action-panel [data-testid=confirm]")
    expect(confirm).to_be_visible()
    return confirm


def confirm_action(page: Page, confirm: Locator, code: str) -> None:
    """Press the confirm step's button and wait for the board's result `code` (e.g. promote-done)."""
    confirm.locator("[data-testid=confirm-button]").click()
    expect(page.locator("#action-panel [data-testid=result]")).to_have_attribute("data-code", code)
