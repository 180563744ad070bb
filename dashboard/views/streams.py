"""Live updates: one Server-Sent Events stream per open page, fed from the shared Rendition.

Each stream waits on the Publisher and sends the already-rendered fragment when a newer one exists; the
cluster never sees viewers. A comment line every 15 s keeps proxies from closing idle streams.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, request, stream_with_context

from dashboard.auth.web import current_identity
from dashboard.i18n import translator
from dashboard.live.renderer import VIEWS
from dashboard.views.common import runtime, viewer_language
from dashboard.vocabulary import ANONYMOUS_ROLE

live_views = Blueprint("live", __name__)
KEEPALIVE_SECONDS = 15.0
# The projector's audience count ("12 people watching now") is checked this often while nothing else changes.
AUDIENCE_SECONDS = 2.0


def sse_event(event: str, data: str, event_id: int) -> str:
    """One SSE message; every line of the payload gets its own `data:` prefix."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"id: {event_id}\nevent: {event}\n{lines}\n"


@live_views.get("/events/<view>")
def events(view: str) -> Response:
    if view not in VIEWS:
        abort(404)
    language = viewer_language()
    # A logged-in QA's board stream carries QA's buttons (the cached per-role fragment).
    role = current_identity().role if view == "board" else ANONYMOUS_ROLE
    board_runtime = runtime()
    last_seen = request.headers.get("Last-Event-ID", "")
    # The page was rendered from the current Rendition; only newer ones need sending.
    sequence = int(last_seen) if last_seen.isdigit() else board_runtime.latest.sequence

    counter = _AudienceCounter(board_runtime, language) if view == "projector" else None

    def stream() -> Iterator[str]:
        nonlocal sequence
        metrics = board_runtime.metrics
        metrics.viewers += 1
        metrics.streams_opened += 1
        if view == "watch":
            metrics.audience += 1
        try:
            yield "retry: 2000\n\n"
            latest = board_runtime.latest
            if latest.sequence > sequence:
                sequence = latest.sequence
                yield sse_event("board", latest.fragment(view, language, role), sequence)
            quiet = 0.0
            while True:
                if counter is not None and (update := counter.update()):
                    yield sse_event("audience", update, sequence)
                wait = AUDIENCE_SECONDS if counter is not None else KEEPALIVE_SECONDS
                rendition = board_runtime.publisher.wait_for_next(sequence, timeout=wait)
                if rendition is None:
                    quiet += wait
                    if quiet >= KEEPALIVE_SECONDS:
                        quiet = 0.0
                        yield ": keepalive\n\n"
                    continue
                quiet = 0.0
                sequence = rendition.sequence
                yield sse_event("board", rendition.fragment(view, language, role), sequence)
                if counter is not None:
                    counter.sent = (
                        None  # the new fragment carries the count of its render: send the current one
                    )
        finally:
            metrics.viewers -= 1
            if view == "watch":
                metrics.audience -= 1

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


class _AudienceCounter:
    """The projector's "N people watching now": audience streams open in this process, sent on change."""

    def __init__(self, board_runtime, language: str) -> None:
        self._runtime = board_runtime
        self._t = translator(language)
        self.sent: int | None = None

    def update(self) -> str | None:
        count = self._runtime.metrics.audience
        if count == self.sent:
            return None
        self.sent = count
        return self._t("audience_count_one") if count == 1 else self._t("audience_count", count=count)
