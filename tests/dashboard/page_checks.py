"""What the flow pages must be in a real browser, measured in the page: nothing overflowing, nothing clipped,
readable sizes, cards that stay put, a QR code that decodes. Screenshots go to SCREENSHOTS, for people.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
# Named in the README; ignored by git except the picture the README shows.
SCREENSHOTS = Path(os.environ.get("BOARD_SCREENSHOTS", REPO / "screenshots"))

# Every card and every label a room reads: their text must fit their box.
LABELS = (
    ".flow-node, .flow-node h2, .flow-node p, .flow-node li, .flow-node .badge, .flow-node .state, "
    ".transit .token, .audience p, .projector-head h1, .projector-head p, .watch-title"
)
# Facts read from the back row: >= 32 px at 1080p (3vh, scaled with the screen).
KEY_FACTS = (
    ".view-projector .flow-card h2, .view-projector .flow-card .alias, .view-projector .flow-card .state"
)

_OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length > 0)
  .filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
  .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
    + ` "${el.textContent.trim().slice(0, 40)}"`
    + ` scroll ${el.scrollWidth}x${el.scrollHeight} > client ${el.clientWidth}x${el.clientHeight}`)"""

_SMALLEST = """(selector) => Math.min(...[...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length > 0)
  .map(el => parseFloat(getComputedStyle(el).fontSize)))"""

_CARD_BOXES = """() => Object.fromEntries(
  [...document.querySelectorAll('[data-testid=flow-card]')].map(el => {
  const r = el.getBoundingClientRect();
  return [el.dataset.flowStage, [r.x, r.y, r.width, r.height].map(v => Math.round(v * 2) / 2)];
}))"""


def overflowing(page: Page, selector: str = LABELS) -> list[str]:
    """Displayed elements whose content is wider or taller than their box (overflowing or clipped)."""
    return page.evaluate(_OVERFLOWING, selector)


def smallest_font_px(page: Page, selector: str) -> float:
    return page.evaluate(_SMALLEST, selector)


def card_boxes(page: Page) -> dict[str, list[float]]:
    """Stage -> [x, y, width, height] of its flow card, to the half pixel."""
    return page.evaluate(_CARD_BOXES)


def page_size(page: Page) -> tuple[int, int]:
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    return width, height


def decode_qr(png: bytes) -> list[str]:
    """What a phone would read: every barcode zxing-cpp finds in the picture."""
    image = Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image)]  # pylint: disable=no-member  # C ext.


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
