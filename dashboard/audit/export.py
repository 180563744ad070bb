"""The audit log as CSV, safe to open in a spreadsheet (no formula injection from names or messages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from dashboard.audit.store import AuditEntry

COLUMNS = (
    "id",
    "request_id",
    "requested_at",
    "actor",
    "role",
    "identity_source",
    "action",
    "stage",
    "freight",
    "freight_alias",
    "images",
    "warehouse",
    "promotion",
    "phase",
    "outcome",
    "message",
    "finished_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, tuple):
        value = " ".join(str(item) for item in value)
    text = str(value)
    # A spreadsheet would run "=HYPERLINK(...)" typed as a user name: make it plain text.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The header, then one line per entry; a generator, so a long log streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for entry in entries:
        writer.writerow([csv_cell(getattr(entry, column)) for column in COLUMNS])
        yield flush()
