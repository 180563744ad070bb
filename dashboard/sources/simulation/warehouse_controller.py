"""Plays CI pushing images and Kargo's Warehouse discovering them and creating Freight.

CI tags every image with the first 8 hex digits of the commit it was built from; a commit may rebuild
one image or both, and the Freight then carries the newest tag of each image plus that commit.
"""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.sources.simulation.conditions import set_condition
from dashboard.sources.simulation.context import SimulationContext
from dashboard.sources.simulation.errors import DuplicateFreightError, InvalidRequestError
from dashboard.sources.simulation.ids import (
    freight_id,
    random_alias,
    random_hex,
)
from dashboard.sources.simulation.state import FreightState
from dashboard.vocabulary import kube_time

DISCOVERY_LIMIT = 20
_TAG = re.compile(r"^[0-9a-f]{8}$")

COMMIT_MESSAGES = (
    "feat(backend): paginate GET /users",
    "fix(frontend): keep the search box focused after submit",
    "feat(frontend): show the user's last login",
    "fix(backend): return 409 on duplicate e-mail",
    "chore: bump FastAPI and Vite",
    "feat(backend): soft-delete users",
    "perf(backend): index users.email",
    "fix(frontend): Portuguese labels on the edit form",
    "feat: audit trail for profile changes",
    "refactor(backend): move repositories behind ports",
)
AUTHORS = (
    "Ana Souza <ana.souza@example.com>",
    "Bruno Lima <bruno.lima@example.com>",
    "Carla Mendes <carla.mendes@example.com>",
    "Diego Rocha <diego.rocha@example.com>",
)


def validate_tag(tag: str | None, which: str) -> None:
    if tag is not None and not _TAG.match(tag):
        raise InvalidRequestError(f"{which} tag {tag!r} is not a short commit SHA (8 lowercase hex digits)")


class WarehouseController:
    def __init__(self, runtime: SimulationContext) -> None:
        self._rt = runtime

    def discover(
        self, at: datetime, tags: dict[str, str | None], broken: bool, message: str | None
    ) -> FreightState:
        """CI pushed images built from a new commit; the Warehouse finds them and creates Freight.

        `tags` maps image repository to a wanted tag; repositories with None get a fresh build when no tag
        is given at all (chosen at random: one image or both, like path-filtered CI), otherwise keep theirs.
        """
        world = self._rt.world
        rng = self._rt.rng
        given = {repo: tag for repo, tag in tags.items() if tag is not None}
        sha = (next(iter(given.values()), None) or random_hex(rng, 8)) + random_hex(rng, 32)
        previous = {image["repoURL"]: image for image in (_newest_images(self._rt) or [])}
        rebuilt = self._rebuilt_repos(given, previous)
        commit = self._new_commit(sha, message or rng.choice(COMMIT_MESSAGES))
        images = [
            previous[repo] if repo not in rebuilt else self._new_image(repo, given.get(repo, sha[:8]), sha)
            for repo in world.plan.image_repos
        ]
        name = freight_id(world.plan.origin_key, [commit], images)
        if name in world.freight:
            raise DuplicateFreightError(f'Freight "{name}" with these artifacts already exists')
        freight = FreightState(
            name=name,
            alias=random_alias(rng, (f.alias for f in world.freight.values())),
            identity=self._rt.new_identity(at),
            commits=[commit],
            images=images,
            broken=broken,
        )
        world.freight[name] = freight
        self._record_discovery(at, freight, rebuilt)
        return freight

    def _rebuilt_repos(self, given: dict[str, str], previous: dict[str, dict]) -> set[str]:
        """Which images this commit rebuilds: the tagged ones, all at first, else one or both at random."""
        repos = self._rt.world.plan.image_repos
        if given:
            return set(given) | {repo for repo in repos if repo not in previous}
        if not previous:
            return set(repos)
        return set(self._rt.rng.choice([repos, *([repo] for repo in repos)]))

    def _new_commit(self, sha: str, message: str) -> dict:
        author = self._rt.rng.choice(AUTHORS)
        return {
            "repoURL": self._rt.world.plan.source_repo,
            "id": sha,
            "branch": "main",
            "message": message,
            "author": author,
            "committer": author,
        }

    def _new_image(self, repo: str, tag: str, sha: str) -> dict:
        return {
            "repoURL": repo,
            "tag": tag,
            "digest": f"sha256:{random_hex(self._rt.rng, 64)}",
            "annotations": {
                "org.opencontainers.image.revision": sha,
                "org.opencontainers.image.source": self._rt.world.plan.source_repo,
            },
        }

    def refresh(self, at: datetime, token: str) -> None:
        """Handle a `kargo.akuity.io/refresh` request: rediscover now (nothing new without a CI push)."""
        warehouse = self._rt.world.warehouse
        warehouse.refresh_token = token
        if warehouse.discovered_at is not None:
            warehouse.discovered_at = at
            self._mark_discovered(at)

    def _record_discovery(self, at: datetime, freight: FreightState, rebuilt: set[str]) -> None:
        warehouse = self._rt.world.warehouse
        for image in freight.images:
            if image["repoURL"] not in rebuilt and warehouse.image_references.get(image["repoURL"]):
                continue
            references = warehouse.image_references.setdefault(image["repoURL"], [])
            reference = {k: image[k] for k in ("tag", "digest", "annotations")}
            references.insert(0, {**reference, "createdAt": kube_time(at)})
            del references[DISCOVERY_LIMIT:]
        commit = freight.commits[0]
        warehouse.commits.insert(
            0,
            {
                "id": commit["id"],
                "branch": commit["branch"],
                "author": commit["author"],
                "committer": commit["committer"],
                "subject": commit["message"],
                "creatorDate": kube_time(at),
            },
        )
        del warehouse.commits[DISCOVERY_LIMIT:]
        warehouse.discovered_at = at
        warehouse.last_freight_id = freight.name
        warehouse.conditions = set_condition(
            warehouse.conditions,
            "FreightCreated",
            "True",
            "NewFreight",
            "No Freight composed of the newest artifacts already existed",
            at,
        )
        self._mark_discovered(at)

    def _mark_discovered(self, at: datetime) -> None:
        warehouse = self._rt.world.warehouse
        subscriptions = len(self._rt.world.plan.image_repos) + 1
        message = f"Successfully discovered artifacts from {subscriptions} subscriptions"
        conditions = set_condition(warehouse.conditions, "Healthy", "True", "ReconciliationSucceeded", "", at)
        warehouse.conditions = set_condition(conditions, "Ready", "True", "ArtifactsDiscovered", message, at)


def _newest_images(runtime: SimulationContext) -> list[dict] | None:
    freight = list(runtime.world.freight.values())
    return freight[-1].images if freight else None
