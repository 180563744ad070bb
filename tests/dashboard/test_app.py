"""The web layer on the embedded simulator: pages, fragments, validators, live stream, ops endpoints."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.runtime import Runtime
from dashboard.security import CONTENT_SECURITY_POLICY
from dashboard.settings import Settings, SettingsError, from_env
from dashboard.views.streams import sse_event
from tests.dashboard.board_client import ManualClock


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    # Simulated time stands still: the board changes only when a test changes it.
    board_runtime = Runtime(Settings(refresh_seconds=3600), clock=ManualClock())
    yield board_runtime
    board_runtime.stop()


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime.settings, runtime=runtime).test_client()


@pytest.mark.parametrize("path", ["/", "/projector", "/watch", "/history"])
def test_every_view_is_a_full_page_with_a_strict_csp(client: FlaskClient, path: str):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    # Nothing inline that the CSP would block: no inline scripts, handlers or style attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html


def test_board_shows_the_simulated_pipeline_in_order(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    positions = [html.index(f'data-stage="{name}"') for name in ("dev", "stg", "prod")]
    assert positions == sorted(positions)
    assert "Quadro de promoção" in html  # Portuguese by default
    assert "userapp-backend:" in html


def test_english_on_request_and_remembered(client: FlaskClient):
    response = client.get("/?lang=en")
    assert "Promotion board" in response.get_data(as_text=True)
    assert "board_lang=en" in response.headers["Set-Cookie"]
    assert "Promotion board" in client.get("/").get_data(as_text=True)


def test_htmx_requests_get_the_fragment_and_validators_work(client: FlaskClient):
    fragment = client.get("/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'data-stage="dev"' in fragment.get_data(as_text=True)
    page = client.get("/")
    assert page.headers["ETag"] != fragment.headers["ETag"]
    again = client.get("/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_a_change_is_rendered_once_and_served_to_everyone(runtime: Runtime, client: FlaskClient):
    before = runtime.latest
    assert runtime.simulator is not None
    freight = runtime.simulator.new_freight(backend_tag="0badc0de", frontend_tag="0badf00d")
    after = runtime.publisher.wait_for_next(before.sequence, timeout=10)
    assert after is not None and after.sequence > before.sequence
    # The new Freight's effects (dev's auto-promotion) may take a publication or two to settle.
    while (settled := runtime.publisher.wait_for_next(after.sequence, timeout=0.5)) is not None:
        after = settled
    renders = runtime.metrics.renders
    pages = [client.get("/").get_data(as_text=True) for _ in range(20)]
    assert runtime.metrics.renders == renders  # twenty viewers, zero extra renders
    alias = freight["alias"]
    assert all(alias in page for page in pages)


def test_live_stream_sends_the_next_rendition(runtime: Runtime, client: FlaskClient):
    response = client.get("/events/watch")
    assert response.mimetype == "text/event-stream"
    chunks = response.response  # the streaming iterator
    assert next(chunks) == b"retry: 2000\n\n"  # type: ignore[call-overload]
    assert runtime.simulator is not None
    runtime.simulator.new_freight(backend_tag="cafe0001", frontend_tag="cafe0002")
    message = next(chunks).decode()  # type: ignore[call-overload]
    assert message.startswith("id: ")
    assert "\nevent: board\n" in message
    assert "data-stage=" in message
    response.close()


def test_unknown_live_view_is_404(client: FlaskClient):
    assert client.get("/events/secrets").status_code == 404


def test_sse_event_prefixes_every_line():
    assert sse_event("board", "a\nb", 7) == "id: 7\nevent: board\ndata: a\ndata: b\n\n"


def test_ops_endpoints(client: FlaskClient):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").get_data(as_text=True)
    for name in (
        "board_viewers",
        "board_render_seconds",
        "board_watch_reconnects_total",
        "board_source_stale_since_seconds",
    ):
        assert re.search(rf"^{name} ", metrics, re.MULTILINE), name


def test_audience_page_has_no_buttons_forms_or_internal_links(client: FlaskClient):
    html = client.get("/watch").get_data(as_text=True)
    for tag in ("<button", "<form", "<input", 'href="/projector', 'href="/history'):
        assert tag not in html


def test_projector_shows_a_qr_code_of_the_audience_url():
    settings = Settings(public_url="https://board.example.com/watch", refresh_seconds=3600)
    runtime = Runtime(settings)
    try:
        html = create_app(settings, runtime=runtime).test_client().get("/projector").get_data(as_text=True)
    finally:
        runtime.stop()
    assert "<svg" in html
    assert "https://board.example.com/watch" in html


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"DASHBOARD_SOURCE": "etcd"},
            "DASHBOARD_SOURCE='etcd': expected one of simulator, kubernetes, snapshot",
        ),
        ({"DASHBOARD_SOURCE": "snapshot"}, "needs DASHBOARD_SNAPSHOT"),
        ({"DASHBOARD_LANGUAGE": "fr"}, "DASHBOARD_LANGUAGE='fr'"),
        ({"DASHBOARD_REFRESH_SECONDS": "soon"}, "expected a number of seconds"),
        ({"DASHBOARD_PUBLIC_URL": "board.local"}, "expected an http(s):// URL"),
    ],
)
def test_bad_settings_get_clear_errors(environ: dict, message: str):
    with pytest.raises(SettingsError, match=re.escape(message)):
        from_env(environ)


def test_default_settings_run_the_simulator():
    assert from_env({}).source == "simulator"


def test_the_simulator_timer_pushes_builds_at_the_configured_interval():
    clock = ManualClock()
    timed = Runtime(Settings(refresh_seconds=3600, simulator_freight_interval=45), clock=clock)
    timed.start()
    try:
        assert timed.simulator is not None
        before = len(timed.store.snapshot().objects["Freight"])
        clock.advance(100)  # two CI pushes due: at +45 s and +90 s
        deadline = time.monotonic() + 10
        while len(timed.store.snapshot().objects["Freight"]) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(timed.store.snapshot().objects["Freight"]) == before + 2
    finally:
        timed.stop()
