"""The flow views over HTTP (Flask's client, the simulator): theme, time zone, the audience address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.i18n import board_timezone, clock_time
from dashboard.runtime import Runtime
from dashboard.settings import Settings, SettingsError, from_env
from tests.dashboard.board_client import ManualClock

JANUARY_NOON = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> Settings:
    return Settings(refresh_seconds=3600, public_url="https://board.example.com/watch")


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    runtime = Runtime(settings, clock=ManualClock(JANUARY_NOON))
    try:
        yield create_app(settings, runtime=runtime).test_client()
    finally:
        runtime.stop()


@pytest.mark.parametrize("path", ["/", "/projector", "/watch"])
def test_light_theme_is_the_same_page_with_another_class(client: FlaskClient, path: str):
    dark = client.get(path)
    light = client.get(f"{path}?theme=light")
    assert 'class="view-' in dark.get_data(as_text=True)
    assert " theme-dark" in dark.get_data(as_text=True) and " theme-light" not in dark.get_data(as_text=True)
    assert " theme-light" in light.get_data(as_text=True) and " theme-dark" not in light.get_data(
        as_text=True
    )
    assert dark.headers["ETag"] != light.headers["ETag"]  # a cache never serves one for the other


def test_an_unknown_theme_is_refused_with_the_choices(client: FlaskClient):
    response = client.get("/projector?theme=neon")
    assert response.status_code == 400
    assert "theme='neon': expected one of dark, light" in response.get_data(as_text=True)


def test_times_are_in_brasilia_time_with_the_zone_by_default(client: FlaskClient):
    html = client.get("/projector").get_data(as_text=True)
    assert "horários em BRT" in html
    assert "09:00:00 BRT" in html  # the board's time, 12:00 UTC


@pytest.mark.parametrize("settings", [Settings(refresh_seconds=3600, timezone="Europe/Lisbon")])
def test_times_follow_the_configured_zone(client: FlaskClient):
    html = client.get("/projector").get_data(as_text=True)
    assert "horários em WET" in html and "12:00:00 WET" in html


def test_a_zone_without_an_abbreviation_is_shown_as_its_offset():
    assert clock_time(JANUARY_NOON, board_timezone("America/Sao_Paulo")) == "09:00:00 UTC-03"


def test_an_unknown_zone_is_a_clear_settings_error():
    with pytest.raises(
        SettingsError, match=re.escape("DASHBOARD_TIMEZONE: unknown time zone 'Mars/Olympus'")
    ):
        from_env({"DASHBOARD_TIMEZONE": "Mars/Olympus"})


def test_the_projector_writes_out_the_audience_url_it_encodes(client: FlaskClient):
    html = client.get("/projector").get_data(as_text=True)
    svg = re.search(r'<svg role="img" viewBox="[^"]+" class="qr"><title>([^<]+)</title>', html)
    assert (
        svg is not None and svg.group(1) == "QR code do endereço do público: https://board.example.com/watch"
    )
    url = re.search(r'data-testid="audience-url">([^<]*(?:<wbr>[^<]*)*)</p>', html)
    assert url is not None and url.group(1).replace("<wbr>", "") == "https://board.example.com/watch"
    assert 'sse-swap="audience"' in html  # the count follows the audience live


def test_metrics_count_the_audience_apart(client: FlaskClient):
    def count(name: str) -> str:
        found = re.search(rf"^{name} (\S+)$", client.get("/metrics").get_data(as_text=True), re.MULTILINE)
        assert found is not None, name
        return found.group(1)

    projector = client.get("/events/projector")
    phone = client.get("/events/watch")
    for stream in (projector, phone):
        next(stream.response)  # type: ignore[call-overload]  # the stream has started
    assert (count("board_viewers"), count("board_audience_viewers")) == ("2.0", "1.0")
    phone.close()
    assert (count("board_viewers"), count("board_audience_viewers")) == ("1.0", "0.0")
    projector.close()
