"""Every command in the runbook, the slides and docs/ names only things that exist in this repository.

The extractor and the checks are unit-tested first on small inline texts, so a wrong target, script, stage,
namespace or image is shown to fail; then the real files are checked, one test per file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.helpers import load_names
from tests.docs.checks import backtick_path_problems, command_problems, expand_braces
from tests.docs.markdown import code_blocks, inline_code
from tests.docs.pages import DOC_PAGES, PRESENTATION
from tests.docs.repo_facts import (
    REPO_ROOT,
    RepoFacts,
    load_repo_facts,
    make_database_targets,
    make_targets,
)
from tests.docs.shell import Command, commands_in_block

CHECKED_FILES = sorted(
    {f"docs/{p}" for p in DOC_PAGES}
    | {f"presentation/{p}" for p in PRESENTATION}
    | {str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "docs").glob("*.md")}
    | {str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "presentation").glob("*.md")}
)
FENCE = "```"


@pytest.fixture(scope="module")
def facts() -> RepoFacts:
    return load_repo_facts()


def block(language: str, body: str) -> str:
    return f"intro\n\n{FENCE}{language}\n{body}\n{FENCE}\n"


def commands_of(markdown: str) -> list[Command]:
    return [c for b in code_blocks(markdown) for c in commands_in_block(b)]


# ---- the extractor -------------------------------------------------------------------------------------


def test_blocks_keep_language_and_line_numbers() -> None:
    text = "# t\n\n```bash\nmake demo\n```\n\n~~~yaml\nkind: Stage\n~~~\n\n````\nmake test\n````\n"
    blocks = code_blocks(text)
    assert [(b.language, b.text, b.line, b.closed) for b in blocks] == [
        ("bash", "make demo", 4, True),
        ("yaml", "kind: Stage", 8, True),
        ("", "make test", 12, True),
    ]
    assert [c.argv for c in commands_of(text)] == [("make", "demo"), ("make", "test")]


def test_only_command_languages_count() -> None:
    for language in ("yaml", "text", "python", "mermaid", "json"):
        assert not commands_of(block(language, "make no-such-target"))


def test_console_blocks_take_only_prompted_lines() -> None:
    text = block("console", "$ make preflight\nPreflight checklist\n  PASS  make nothing\n$ make demo")
    assert [c.argv for c in commands_of(text)] == [("make", "preflight"), ("make", "demo")]


def test_continuations_comments_heredocs_and_lists() -> None:
    body = "\n".join(
        [
            "# a comment line",
            "DASHBOARD_SOURCE=kubernetes sudo make \\",
            "  demo  # start it",
            "cat <<EOF > /tmp/x",
            "make inside-heredoc",
            "EOF",
            "make a && make b || echo no; kubectl get pods | grep x 2>&1",
            "watch -n 2 kubectl -n dev get pods",
            "echo 'a # not a comment' x#y",
        ]
    )
    commands = commands_of(block("bash", body))
    assert [c.argv for c in commands] == [
        ("make", "demo"),
        ("cat",),
        ("make", "a"),
        ("make", "b"),
        ("echo", "no"),
        ("kubectl", "get", "pods"),
        ("grep", "x"),
        ("kubectl", "-n", "dev", "get", "pods"),
        ("echo", "a # not a comment", "x#y"),
    ]
    assert commands[0].env == {"DASHBOARD_SOURCE": "kubernetes"}
    assert commands[0].line == 5  # the line where the command starts


def test_command_substitutions_are_commands_too() -> None:
    commands = commands_of(block("sh", 'echo "$(kubectl -n nowhere get stage dev -o name)"'))
    assert [c.argv[0] for c in commands] == ["kubectl", "echo"]


def test_unclosed_fence_and_bad_quotes_are_reported(facts: RepoFacts) -> None:
    assert command_problems("```bash\nmake demo\n", facts) == ["1: code fence never closed"]
    problems = command_problems(block("bash", "echo 'unbalanced"), facts)
    assert len(problems) == 1 and "cannot split" in problems[0]


def test_inline_code_outside_fences() -> None:
    text = "Run `make demo` or ``make `x` ``.\n```bash\n`not inline`\n```\nThen `helm/backend`."
    assert [(s.code, s.line) for s in inline_code(text)] == [
        ("make demo", 1),
        ("make `x`", 1),
        ("helm/backend", 5),
    ]


# ---- the checks ----------------------------------------------------------------------------------------


def test_make_targets_follow_includes(tmp_path: Path) -> None:
    (tmp_path / "mk").mkdir()
    (tmp_path / "Makefile").write_text(
        "SHELL := /bin/bash\nPORT ?= 8080\ninclude mk/*.mk\n.PHONY: a\n"
        "a b: ## two targets\n\t@echo 'c: not a target'\n$(VENV)/x: y\n%.o: %.c\n",
        encoding="utf-8",
    )
    (tmp_path / "mk" / "more.mk").write_text("define X\nd:\nendef\nc:: ; true\n", encoding="utf-8")
    assert make_targets(tmp_path / "Makefile") == {"a", "b", "c"}


def test_real_makefile_targets(facts: RepoFacts) -> None:
    assert {"demo", "test", "lint", "preflight", "cluster-up", "render"} <= facts.make_targets
    assert "SHELL" not in facts.make_targets and ".PHONY" not in facts.make_targets


def test_make_targets_match_gnu_makes_own_database(tmp_path: Path, facts: RepoFacts) -> None:
    """The Makefile parser agrees with `make -pRrq`, on the real Makefile and on a tricky one."""
    assert facts.make_targets == make_database_targets(REPO_ROOT / "Makefile")
    (tmp_path / "mk").mkdir()
    (tmp_path / "Makefile").write_text(
        "X := 1\ninclude mk/*.mk\nall: one two\none:\n\t@true\nout/file: ; touch $@\n", encoding="utf-8"
    )
    (tmp_path / "mk" / "a.mk").write_text("two three:: ; @true\n", encoding="utf-8")
    assert make_targets(tmp_path / "Makefile") == make_database_targets(tmp_path / "Makefile")
    assert make_targets(tmp_path / "Makefile") == {"all", "one", "two", "three"}


def test_a_missing_make_target_is_reported(facts: RepoFacts) -> None:
    problems = command_problems(block("bash", "make demo\nmake no-such-target PORT=9000"), facts)
    assert len(problems) == 1
    assert "make target 'no-such-target' is not defined by Makefile" in problems[0]
    assert problems[0].startswith("5: `make no-such-target PORT=9000`")
    inline = command_problems("Start with `make demoo`.", facts)
    assert len(inline) == 1 and "'demoo'" in inline[0]


def test_missing_scripts_and_files_are_reported(facts: RepoFacts) -> None:
    good = "scripts/preflight.sh\nkubectl apply -f gitops/kargo/stage-stg.yaml\nls kustomize/overlays/*/"
    assert command_problems(block("bash", good), facts) == []
    bad = "scripts/no-such.sh\nkubectl apply -f gitops/kargo/stage-qa.yaml\ncat frontend/src/App.tsx"
    problems = command_problems(block("bash", bad), facts)
    assert [p.split(": ", 2)[2] for p in problems] == [
        "scripts/no-such.sh: no such file or directory in the repository",
        "gitops/kargo/stage-qa.yaml: no such file or directory in the repository",
        "frontend/src/App.tsx: no such file or directory in the repository",
    ]


def test_stages_namespaces_and_objects_must_exist(facts: RepoFacts) -> None:
    good = "\n".join(
        [
            "kubectl -n userapp get stage stg -o yaml",
            "kubectl get stages.kargo.akuity.io/prod --namespace=userapp",
            "kubectl -n argocd get app userapp-dev",
            "kubectl -n kargo get pods",
            "kargo promote --project userapp --stage prod --freight $FREIGHT",
            "argocd app history userapp-prod",
        ]
    )
    assert command_problems(block("bash", good), facts) == []
    bad = "\n".join(
        [
            "kubectl -n userapp get stage qa",
            "kubectl -n staging get pods",
            "kubectl -n userapp annotate warehouse images kargo.akuity.io/refresh=now",
            "kargo promote --project userapp --stage uat --freight $FREIGHT",
            "argocd app rollback userapp-qa 3",
        ]
    )
    problems = command_problems(block("bash", bad), facts)
    assert len(problems) == 5, problems
    assert "no Stage named 'qa'" in problems[0]
    assert "namespace 'staging'" in problems[1]
    assert "no Warehouse named 'images'" in problems[2]
    assert "--stage uat" in problems[3]
    assert "userapp-qa" in problems[4]


def test_images_must_be_in_the_warehouse(facts: RepoFacts) -> None:
    namespace = load_names().image_namespace  # fork.env: `make fork` changes it
    backend, frontend = f"{namespace}/userapp-backend", f"{namespace}/userapp-frontend"
    assert facts.image_repos == {backend, frontend}
    # On Docker Hub the short form (no registry host) names the same repository.
    good = f"docker pull {backend}:1a2b3c4d\ndocker pull {frontend.removeprefix('docker.io/')}"
    assert command_problems(block("bash", good), facts) == []
    problems = command_problems(block("bash", f"docker pull {namespace}/userapp-api:1a2b3c4d"), facts)
    assert len(problems) == 1 and f"image {namespace}/userapp-api is not subscribed" in problems[0]


def test_backticked_paths(facts: RepoFacts) -> None:
    text = (
        "See `helm/backend/values.yaml`, `kustomize/overlays/{dev,stg,prod}`,\n"
        "`gitops/kargo/stage-<stage>.yaml`, `vendor/crds/README.md`, `pkg/upstream/only.go`,\n"
        "`env/<stage>` and `make demo`.\n"
        "But `helm/backend/valores.yaml` and `gitops/kargo/stage-{dev,qa}.yaml` do not exist.\n"
    )
    problems = backtick_path_problems(text, facts)
    assert problems == [
        "4: `helm/backend/valores.yaml`: no such file or directory in the repository",
        "4: `gitops/kargo/stage-{dev,qa}.yaml`: no such file or directory in the repository",
    ]


def test_brace_expansion() -> None:
    assert expand_braces("a/{b,c}/{d,e}") == ["a/b/d", "a/b/e", "a/c/d", "a/c/e"]
    assert expand_braces("plain") == ["plain"]


# ---- the real files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", CHECKED_FILES)
def test_commands_name_only_what_exists(relative: str, facts: RepoFacts) -> None:
    path = REPO_ROOT / relative
    assert path.is_file(), f"{relative} is missing"
    problems = command_problems(path.read_text(encoding="utf-8"), facts)
    assert not problems, f"{relative}:\n" + "\n".join(f"  {relative}:{p}" for p in problems)


@pytest.mark.parametrize("relative", CHECKED_FILES)
def test_backticked_repo_paths_exist(relative: str, facts: RepoFacts) -> None:
    problems = backtick_path_problems((REPO_ROOT / relative).read_text(encoding="utf-8"), facts)
    assert not problems, f"{relative}:\n" + "\n".join(f"  {relative}:{p}" for p in problems)


def test_the_runbook_covers_the_demo_and_its_fallbacks() -> None:
    text = (REPO_ROOT / "presentation" / "runbook.md").read_text(encoding="utf-8")
    commands = commands_of(text)
    makes = {c.argv[1] for c in commands if c.name == "make" and len(c.argv) > 1}
    assert {"preflight", "replay", "rehearse", "demo"} <= makes, makes
    scripts = {c.name for c in commands if c.name.startswith("scripts/")}
    assert "scripts/demo-branches.sh" in scripts, scripts
    assert len(commands) >= 25, f"only {len(commands)} commands: the runbook should give every step exactly"
