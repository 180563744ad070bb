"""Benchmark (a) of the board issue: model build + render of every view per change, 500 freight x 10 stages.

Prints the median and p95 over repeated builds; run with `make bench`.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from dashboard.model import build_board
from dashboard.rendering import VIEWS, BoardRenderer, RenderContext, make_environment
from dashboard.runtime import ALWAYS_SYNCED
from dashboard.settings import LANGUAGES

PROJECT, STAGES, FREIGHT = "bench", 10, 500
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def objects() -> dict[str, list[dict]]:
    names = [f"s{i}" for i in range(STAGES)]
    freights, stages = [], []
    for n in range(FREIGHT):
        tag = f"{n:08x}"
        freights.append(
            {
                "apiVersion": "kargo.akuity.io/v1alpha1",
                "kind": "Freight",
                "metadata": {"name": f"f{n:039x}", "namespace": PROJECT},
                "alias": f"alias-{n}",
                "discoveredAt": iso(T0 + timedelta(minutes=n)),
                "origin": {"kind": "Warehouse", "name": "w"},
                "images": [
                    {"repoURL": "docker.io/demo/userapp-backend", "tag": tag, "digest": "sha256:" + "0" * 64}
                ],
                "commits": [{"repoURL": "https://example.com/repo.git", "id": f"{n:040x}"}],
                # Older freight has made it further down the pipeline.
                "status": {
                    "verifiedIn": {s: {"verifiedAt": iso(T0)} for s in names[: max(0, STAGES - n // 50)]}
                },
            }
        )
    for i, name in enumerate(names):
        current = freights[FREIGHT - 1 - i * 40]
        sources = {"direct": True} if i == 0 else {"stages": [names[i - 1]]}
        stages.append(
            {
                "apiVersion": "kargo.akuity.io/v1alpha1",
                "kind": "Stage",
                "metadata": {"name": name, "namespace": PROJECT},
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


def main() -> None:
    data = objects()
    renderer = BoardRenderer(make_environment(), lambda: RenderContext(ALWAYS_SYNCED, data, "http://x/watch"))
    builds, renders = [], []
    for _ in range(30):
        started = time.perf_counter()
        board = build_board(data, project=PROJECT, now=T0 + timedelta(days=1))
        built = time.perf_counter()
        for view in VIEWS:
            for language in LANGUAGES:
                renderer(board, view, language)
        renders.append(time.perf_counter() - built)
        builds.append(built - started)

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if q < 100 else max(values) * 1000

    print(f"board: {STAGES} stages, {FREIGHT} freight; {len(builds)} changes")
    print(f"(a) model build     p50 {statistics.median(builds) * 1000:7.1f} ms  p95 {ms(builds, 95):7.1f} ms")
    print(
        f"(a) render {len(VIEWS) * len(LANGUAGES)} pages p50 {statistics.median(renders) * 1000:7.1f} ms"
        f"  p95 {ms(renders, 95):7.1f} ms"
    )
    total = [b + r for b, r in zip(builds, renders, strict=True)]
    print(f"(a) build + render  p50 {statistics.median(total) * 1000:7.1f} ms  (target < 20 ms)")


if __name__ == "__main__":
    main()
