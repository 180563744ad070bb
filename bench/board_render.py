"""Benchmark (a) of the board issue: model build + render per change, 500 freight x 10 stages.

Each change replaces one Stage and one Freight in the ObjectStore, as a watch event does, and the server's
Publisher builds the board (reusing what it parsed from unchanged objects) and renders the pages viewers have
open. Prints p50/p95 over the changes; run with `make bench`.
"""

from __future__ import annotations

import copy
import statistics
import time
from datetime import UTC, datetime, timedelta

from dashboard.live.publisher import Publisher
from dashboard.live.renderer import VIEWS, BoardRenderer, RenderContext, make_environment
from dashboard.model import build_board
from dashboard.runtime import warm_variants
from dashboard.settings import LANGUAGES
from dashboard.sources.simulation.ids import freight_id
from dashboard.sources.status import ALWAYS_SYNCED
from dashboard.sources.store import ObjectStore

PROJECT, STAGES, FREIGHT, CHANGES = "bench", 10, 500, 60
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


BACKEND_IMAGE = "docker.io/demo/userapp-backend"
SOURCE_REPO = "https://example.com/repo.git"


def warehouse(project: str = PROJECT) -> dict:
    """Warehouse `w`, which the Freight of `objects` come from (Kargo admits Freight only from one)."""
    return {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Warehouse",
        "metadata": {"name": "w", "namespace": project},
        "spec": {"subscriptions": [{"image": {"repoURL": BACKEND_IMAGE}}, {"git": {"repoURL": SOURCE_REPO}}]},
    }


def objects(project: str = PROJECT, freight_count: int = FREIGHT) -> dict[str, list[dict]]:
    names = [f"s{i}" for i in range(STAGES)]
    freights, stages = [], []
    for n in range(freight_count):
        tag = f"{n:08x}"
        images = [{"repoURL": BACKEND_IMAGE, "tag": tag, "digest": "sha256:" + "0" * 64}]
        commits = [{"repoURL": SOURCE_REPO, "id": f"{n:040x}"}]
        freights.append(
            {
                "apiVersion": "kargo.akuity.io/v1alpha1",
                "kind": "Freight",
                # Kargo's own ID: its webhook renames a created Freight to it.
                "metadata": {"name": freight_id("Warehouse/w", commits, images), "namespace": project},
                "alias": f"alias-{n}",
                "discoveredAt": iso(T0 + timedelta(minutes=n)),
                "origin": {"kind": "Warehouse", "name": "w"},
                "images": images,
                "commits": commits,
                # Older freight has made it further down the pipeline.
                "status": {
                    "verifiedIn": {
                        s: {"verifiedAt": iso(T0)}
                        for s in names[: max(0, STAGES - n // (freight_count // STAGES))]
                    }
                },
            }
        )
    for i, name in enumerate(names):
        current = freights[freight_count - 1 - i * (freight_count // (STAGES + 2))]
        sources = {"direct": True} if i == 0 else {"stages": [names[i - 1]]}
        stages.append(
            {
                "apiVersion": "kargo.akuity.io/v1alpha1",
                "kind": "Stage",
                "metadata": {"name": name, "namespace": project},
                "spec": {
                    "requestedFreight": [{"origin": {"kind": "Warehouse", "name": "w"}, "sources": sources}],
                    "promotionTemplate": {"spec": {"steps": [{"uses": "argocd-update"}]}},
                },
                "status": {
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": "True",
                            "reason": "Verified",
                            "message": "",
                            "lastTransitionTime": iso(T0),
                        }
                    ],
                    "health": {"status": "Healthy"},
                    "freightHistory": [
                        {
                            "id": "x",
                            "items": {
                                "Warehouse/w": {
                                    "name": current["metadata"]["name"],
                                    "origin": {"kind": "Warehouse", "name": "w"},
                                    "images": current["images"],
                                }
                            },
                        }
                    ],
                },
            }
        )
    return {"Stage": stages, "Freight": freights, "Promotion": [], "Warehouse": [], "Application": []}


def change(data: dict[str, list[dict]], index: int) -> tuple[dict, dict]:
    """One cluster change as a watch delivers it: a Stage moves to other Freight, which gets verified there.

    Fresh dicts, as the ObjectStore always receives them; every other object keeps its identity.
    """
    stage = copy.deepcopy(data["Stage"][index % STAGES])
    freight = copy.deepcopy(data["Freight"][(index * 7) % FREIGHT])
    stage_name, freight_name = stage["metadata"]["name"], freight["metadata"]["name"]
    stage["status"]["freightHistory"][0]["items"]["Warehouse/w"]["name"] = freight_name
    freight["status"]["verifiedIn"][stage_name] = {"verifiedAt": iso(T0 + timedelta(seconds=index))}
    return stage, freight


def publisher_for(store: ObjectStore, now: datetime) -> Publisher:
    """The server's Publisher, wired as dashboard.runtime wires it (same build, renderer and warm set)."""
    renderer = BoardRenderer(make_environment(), lambda: RenderContext(ALWAYS_SYNCED, "http://x/watch"))
    return Publisher(
        store,
        build=lambda objects, at, memo, approvals: build_board(
            objects, project=PROJECT, now=at, memo=memo, approvals=approvals
        ),
        render=renderer,
        warm=warm_variants("pt-BR"),
        clock=lambda: now,
        refresh_seconds=3600,
    )


def main() -> None:
    cold, rows = measure()
    builds, renders, totals, every_variant = (list(column) for column in zip(*rows, strict=True))
    print(f"board: {STAGES} stages, {FREIGHT} freight; {CHANGES} changes (one Stage + one Freight each)")
    print(f"(a) first build + render (nothing memoized yet): {cold * 1000:7.1f} ms")
    print(f"(a) per change: model build          p50 {ms(builds, 50):7.1f} ms  p95 {ms(builds, 95):7.1f} ms")
    print(
        f"(a) per change: render the warm pages  p50 {ms(renders, 50):7.1f} ms  p95 {ms(renders, 95):7.1f} ms"
    )
    print(
        f"(a) per change: build + render       p50 {ms(totals, 50):7.1f} ms  p95 {ms(totals, 95):7.1f} ms"
        "  (target < 20 ms)"
    )
    print(
        f"(a) per change, if all {len(VIEWS) * len(LANGUAGES)} views x languages were open:"
        f" p50 {ms(every_variant, 50):7.1f} ms"
    )


def measure() -> tuple[float, list[tuple[float, float, float, float]]]:
    """The first publication's time, then per change: (build, render warm pages, both, build + all pages)."""
    data = objects()
    store = ObjectStore()
    for kind, items in data.items():
        store.replace(kind, items)
    publisher = publisher_for(store, T0 + timedelta(days=1))
    first = publisher.publish_now()
    rows = []
    for index in range(CHANGES):
        stage, freight = change(data, index)
        store.upsert("Stage", stage)
        store.upsert("Freight", freight)
        started = time.perf_counter()
        rendition = publisher.publish_now()
        total = time.perf_counter() - started
        for view in VIEWS:
            for language in LANGUAGES:
                rendition.rendered(view, language, ahead=True)
        rows.append((rendition.build_seconds, rendition.render_seconds, total, time.perf_counter() - started))
    return first.build_seconds + first.render_seconds, rows


def ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


if __name__ == "__main__":
    main()
