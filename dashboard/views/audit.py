"""The audit log: a page (newest first, paged) and a CSV export, for people who are logged in."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, request, stream_with_context
from werkzeug.wrappers import Response  # the base class: redirects are werkzeug responses

from dashboard.audit.export import csv_lines
from dashboard.audit.store import AuditStore, AuditUnavailable
from dashboard.auth.web import current_identity
from dashboard.views.common import runtime
from dashboard.views.pages import login_first, render_page, sentence

audit_views = Blueprint("audit", __name__)
PAGE_SIZE = 50


def _store() -> AuditStore:
    return runtime().write.audit


def _unavailable() -> Response:
    text = sentence("error.audit-unavailable", {})
    return render_page("message.html", 503, heading=sentence("audit_title", {}), text=text, failed=True)


@audit_views.get("/audit")
def audit_page() -> Response:
    to_login = login_first(current_identity())
    if to_login is not None:
        return to_login
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    try:
        _store().ensure_ready()
        entries = _store().newest(PAGE_SIZE + 1, (page_number - 1) * PAGE_SIZE)
    except AuditUnavailable:
        return _unavailable()
    return render_page(
        "audit/page.html",
        entries=entries[:PAGE_SIZE],
        page=page_number,
        more=len(entries) > PAGE_SIZE,
    )


@audit_views.get("/audit.csv")
def audit_csv() -> Response:
    to_login = login_first(current_identity())
    if to_login is not None:
        return to_login
    store = _store()
    try:
        store.ensure_ready()
        store.ping()
    except AuditUnavailable:
        return _unavailable()

    def lines() -> Iterator[str]:
        yield from csv_lines(store.every())

    response = Response(stream_with_context(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="promotion-board-audit.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
