"""Operational endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from dashboard.views.common import runtime

ops_views = Blueprint("ops", __name__)


@ops_views.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@ops_views.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready once the board has been rendered from a synced source; stale data is served but not 'ready'."""
    board_runtime = runtime()
    status = board_runtime.source_status()
    ready = status.synced and board_runtime.publisher.has_rendition
    body = {
        "ready": ready,
        "synced": status.synced,
        "staleSince": status.stale_since.isoformat() if status.stale_since else None,
    }
    return jsonify(body), (200 if ready else 503)


@ops_views.get("/metrics")
def metrics() -> Response:
    board_runtime = runtime()
    status = board_runtime.source_status()
    numbers = board_runtime.metrics
    registry = CollectorRegistry()
    values = {
        "board_viewers": ("Open live streams (viewers)", numbers.viewers),
        "board_audience_viewers": (
            "Of those, audience pages (/watch): the projector's count",
            numbers.audience,
        ),
        "board_streams_opened_total": ("Live streams opened since start", numbers.streams_opened),
        "board_renders_total": ("Board builds + renders since start", numbers.renders),
        "board_build_seconds": ("Time of the last board model build", numbers.last_build_seconds),
        "board_render_seconds": (
            "Time of the last render of every view and language",
            numbers.last_render_seconds,
        ),
        "board_watch_reconnects_total": ("Broken cluster watches that were retried", status.reconnects),
        "board_watch_relists_total": ("Relists after 410 Gone", status.relists),
        "board_source_synced": ("1 when every watched kind is listed and connected", int(status.synced)),
        "board_source_stale_since_seconds": (
            "Unix time since which the data is stale (0 when live)",
            status.stale_since.timestamp() if status.stale_since else 0,
        ),
        "board_store_version": ("Changes seen by the object cache", board_runtime.store.version),
    }
    for name, (description, value) in values.items():
        Gauge(name, description, registry=registry).set(value)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
