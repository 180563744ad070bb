"""What exists in the repository, read from its files: make targets, Kargo/Argo CD object names, namespaces,
the images the Warehouse subscribes to. The docs check compares every command against these facts."""

from __future__ import annotations

import glob
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# A rule line: "target [target...]:" but not a variable assignment (":=", "::=") nor a recipe line.
RULE = re.compile(r"^(?P<targets>[^\t#=:][^#=:]*?)\s*::?(?!=)")
INCLUDE = re.compile(r"^\s*-?(?:s?include)\s+(?P<files>.+)$")
# Namespaces the setup scripts create or use, written as literals: helper arguments anywhere, and -n or
# --namespace on kubectl/helm lines (other tools' -n means something else).
SCRIPT_NAMESPACE = re.compile(
    r"(?:\bensure_namespace\s+|\bwait_namespace_ready\s+|\bdeployments_available\s+|\bNAMESPACE=)"
    r"(?P<ns>[a-z][a-z0-9-]*)\b"
)
KUBE_LINE_NAMESPACE = re.compile(
    r"\b(?:kube|kubectl|helm|HELM\S*)\b.*?(?:\s-n\s+|--namespace[\s=]+)(?P<ns>[a-z][a-z0-9-]*)\b"
)


class FactsError(ValueError):
    """A repository file the facts come from is missing or malformed."""


@dataclass(frozen=True)
class RepoFacts:
    root: Path
    make_targets: frozenset[str]
    objects: dict[str, frozenset[str]]  # gitops kind (e.g. "Stage") -> object names
    kind_groups: dict[str, str]  # kind -> API group, for the kinds in `objects`
    namespaces: frozenset[str]
    image_repos: frozenset[str]

    @property
    def stages(self) -> frozenset[str]:
        return self.objects.get("Stage", frozenset())


def make_targets(makefile: Path) -> frozenset[str]:
    """Named targets of a Makefile and of what it includes (no pattern, special, computed or file targets)."""
    if not makefile.is_file():
        raise FactsError(f"{makefile}: no such Makefile")
    targets: set[str] = set()
    in_define = False
    for raw in makefile.read_text(encoding="utf-8").splitlines():
        if raw.startswith("define ") or raw.strip() == "define":
            in_define = True
        if in_define:
            in_define = raw.strip() != "endef"
            continue
        include = INCLUDE.match(raw)
        if include:
            for pattern in include["files"].split():
                if "$" in pattern:
                    continue
                for path in sorted(glob.glob(str(makefile.parent / pattern))):
                    targets |= make_targets(Path(path))
            continue
        rule = RULE.match(raw)
        if rule is None:
            continue
        for target in rule["targets"].split():
            if not ("$" in target or "%" in target or "/" in target or target.startswith(".")):
                targets.add(target)
    return frozenset(targets)


def load_repo_facts(root: Path = REPO_ROOT) -> RepoFacts:
    objects: dict[str, set[str]] = defaultdict(set)
    groups: dict[str, str] = {}
    namespaces: set[str] = set()
    images: set[str] = set()
    for obj in _yaml_objects(sorted((root / "gitops").rglob("*.yaml"))):
        kind, meta = obj.get("kind", ""), obj.get("metadata") or {}
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        if group:  # only the CRD kinds: core kinds (Secrets...) are also made by scripts
            objects[kind].add(meta.get("name", ""))
            groups[kind] = group
        namespaces |= _namespaces_of(obj)
        if kind == "Warehouse":
            for subscription in obj.get("spec", {}).get("subscriptions", []):
                if "image" in subscription:
                    images.add(subscription["image"]["repoURL"])
    for kustomization in _yaml_objects(sorted((root / "kustomize").rglob("kustomization.yaml"))):
        if kustomization.get("namespace"):
            namespaces.add(kustomization["namespace"])
    for script in sorted((root / "scripts").rglob("*.sh")):
        for line in script.read_text(encoding="utf-8").splitlines():
            namespaces |= {m["ns"] for m in SCRIPT_NAMESPACE.finditer(line)}
            namespaces |= {m["ns"] for m in KUBE_LINE_NAMESPACE.finditer(line)}
    if not objects.get("Stage") or not images:
        raise FactsError(f"{root / 'gitops'}: no Kargo Stage or Warehouse image subscription found")
    return RepoFacts(
        root=root,
        make_targets=make_targets(root / "Makefile"),
        objects={kind: frozenset(names) for kind, names in objects.items()},
        kind_groups=groups,
        namespaces=frozenset(namespaces),
        image_repos=frozenset(images),
    )


def _namespaces_of(obj: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    if meta.get("namespace"):
        found.add(meta["namespace"])
    if obj.get("kind") == "Project":  # a Kargo Project owns the namespace of its name
        found.add(meta.get("name", ""))
    destination = spec.get("destination") or {}
    if destination.get("namespace"):
        found.add(destination["namespace"])
    found |= {d["namespace"] for d in spec.get("destinations", []) if d.get("namespace")}
    return found - {""}


def _yaml_objects(paths: list[Path]) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in paths:
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as error:
            raise FactsError(f"{path}: not valid YAML: {error}") from None
        objects.extend(d for d in documents if isinstance(d, dict))
    return objects


def make_database_targets(makefile: Path) -> frozenset[str]:
    """Targets GNU make itself knows (`make -pRrq`: print the database, run nothing), for cross-checking
    make_targets: plain names only (no files with a slash, no special .TARGETS, no "# Not a target" entries).
    """
    result = subprocess.run(
        ["make", "-pRrq", "-f", makefile.name],
        cwd=makefile.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    database = result.stdout
    if "# Files" not in database:
        raise FactsError(f"make -p printed no database for {makefile}:\n{result.stderr[-2000:]}")
    targets: set[str] = set()
    not_a_target = False
    for line in database.split("# Files", 1)[1].splitlines():
        if line.startswith("# Not a target"):
            not_a_target = True
            continue
        rule = None if line.startswith(("\t", "#")) else RULE.match(line)
        if rule and not not_a_target:
            targets |= {t for t in rule["targets"].split() if "/" not in t and not t.startswith(".")}
        if line.strip() and not line.startswith("#"):
            not_a_target = False
    return frozenset(targets)
