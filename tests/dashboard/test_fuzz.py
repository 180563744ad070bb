"""Every form field and query parameter of the board with generated values (issue 16, part 4): no 500, no
generated markup echoed unescaped, nothing unbounded stored in the audit log. Hypothesis drives the board's
real app (Flask's test client) on the simulator with an admin, a QA and an anonymous visitor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.actions.request_ids import new_request_id
from dashboard.audit.store import MESSAGE_LIMIT, NAME_LIMIT
from dashboard.settings import Settings
from tests.dashboard.board_client import BoardUser
from tests.dashboard.test_write_simulator import Board

# Markup that must never come back as markup: the board escapes everything it echoes.
MARKER = '<fz-x a="1">'
ACTIONS = ("promote", "rollback", "approve", "abort", "refresh", "dismiss", "nope")
FIELDS = ("stage", "freight", "promotion", "warehouse", "request_id", "next", "lang", "page")
EXAMPLES = 150  # per test; the report counts the requests actually made

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: s + MARKER),
    st.sampled_from(["", " ", "\x00", "\u202e", "../../etc/passwd", "%00", "/\t/evil.example", "-1", "1e9"]),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.text(min_size=5_000, max_size=20_000, alphabet="a\u202e<>\"'&"),
)
# A valid request id half the time, so that refusals reach the audit log with the hostile values.
request_ids = st.one_of(hostile_text, st.builds(lambda: new_request_id(datetime.now(UTC))))
params = st.fixed_dictionaries(
    {"request_id": request_ids},
    optional={name: hostile_text for name in FIELDS if name != "request_id"},
)
REQUESTS = {"count": 0}
# The board and the people are module fixtures on purpose: one board takes every generated request.
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "audit.sqlite3"
    live = Board(Settings(refresh_seconds=3600, audit_url=f"sqlite:///{path}"))
    yield live
    live.runtime.stop()


@pytest.fixture(scope="module")
def people(board: Board) -> dict[str, BoardUser]:
    return {"anonymous": board.user(), "qa": board.user("qa"), "admin": board.user("admin")}


def check(response, *values: str) -> None:
    REQUESTS["count"] += 1
    assert response.status_code < 500 or response.status_code == 503, response.status_code
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert MARKER not in body, "generated markup echoed unescaped"
        for value in values:
            if "<" in value and len(value) > 3:
                assert value not in body, "a value with markup echoed raw"


def get(client: FlaskClient, path: str, query: dict[str, str], headers: dict[str, str] | None = None):
    return client.get(path, query_string=query, headers=headers or {})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SUPPRESSED)
@given(
    who=st.sampled_from(["anonymous", "qa", "admin"]),
    path=st.sampled_from(
        ["/", "/projector", "/watch", "/history", "/login", "/audit", "/audit.csv", "/healthz", "/readyz"]
        + [f"/actions/{action}" for action in ACTIONS]
    ),
    query=params,
    fragment=st.booleans(),
)
def test_every_page_and_query_parameter(people, who: str, path: str, query: dict[str, str], fragment: bool):
    headers = {"HX-Request": "true"} if fragment else {}
    check(get(people[who].client, path, query, headers), *query.values())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SUPPRESSED)
@given(
    who=st.sampled_from(["anonymous", "qa", "admin"]),
    action=st.sampled_from(ACTIONS),
    form=params,
    with_token=st.booleans(),
)
# Refusals that must reach the audit log whatever the generator draws (a signed-in person, a token, a valid
# request id), so that the check below always has hostile stored values to look at.
@example(
    who="qa",
    action="promote",
    form={"request_id": new_request_id(datetime.now(UTC)), "stage": "\x00\u202e" * 2_000, "freight": MARKER},
    with_token=True,
)
@example(
    who="admin",
    action="approve",
    form={"request_id": new_request_id(datetime.now(UTC)), "stage": MARKER * 500, "freight": "\u202e" * 300},
    with_token=True,
)
def test_every_action_form(people, who: str, action: str, form: dict[str, str], with_token: bool):
    person = people[who]
    if with_token:
        form = {**form, "csrf_token": person.csrf_token()}
        REQUESTS["count"] += 1
    check(person.client.post(f"/actions/{action}", data=form, headers={"HX-Request": "true"}), *form.values())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SUPPRESSED)
@given(username=hostile_text, password=hostile_text, next_url=hostile_text, with_token=st.booleans())
def test_the_login_form(board: Board, username: str, password: str, next_url: str, with_token: bool):
    client = board.app.test_client()
    form = {"username": username, "password": password, "next": next_url}
    if with_token:
        form["csrf_token"] = BoardUser(client).csrf_token()
        REQUESTS["count"] += 1
    response = client.post("/login", data=form)
    check(response, username, next_url)
    if response.status_code == 303:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")


def test_nothing_unbounded_was_stored(board: Board):
    """Runs after the fuzzing above (same module board): every audit value is bounded and printable."""
    rows = board.runtime.write.audit.newest(10_000)
    for row in rows:
        for value in (row.stage, row.freight, row.promotion, row.warehouse, row.freight_alias):
            assert value is None or (len(value) <= NAME_LIMIT and "\x00" not in value)
        assert row.message is None or len(row.message) <= MESSAGE_LIMIT
    print(f"\nfuzz: {REQUESTS['count']} requests tried, {len(rows)} audit rows checked")
    # The two explicit examples of test_every_action_form are refusals audited whatever was generated.
    assert (
        REQUESTS["count"] >= EXAMPLES and len(rows) >= 2
    ), "the fuzzing above did not run or reached no audit row"
