"""`make lab` / `make lab-push` / `make lab-down`: the whole pipeline on this machine, on 127.0.0.1.

One background process (`python -m scripts.lab serve`) holds the lab the tests use (tests/harness/lab.py,
`kargo_lab(controllers=True)`): kube-apiserver + etcd, real Kargo, real Argo CD, real Argo Rollouts,
kube-controller-manager + kube-scheduler and KWOK's simulated Nodes, a real OCI registry and Git server; it
applies the project's pipeline, starts the board against the lab's cluster and pushes a first image pair.

Pods are simulated by KWOK: no container runs (the app is not reachable; the smoke-test Job "passes" because
KWOK completes its Pod). Everything Kargo, Argo CD and Argo Rollouts report is theirs.

With LAB_UIS=1 (`make lab UIS=1`) it also starts Argo CD's and Kargo's API servers with their real UIs
(tests/harness/lab_uis.py, built by scripts/build-lab-uis.sh) and prints their URLs and admin logins.
KWOK also loads the lab's own Stages (lab/kwok/): the talk's error build, whose backend Pods never become
Ready (`make lab-push BUILD=error` pushes it).

State (pid, log, URLs and logins) lives in $LAB_STATE_DIR (default ~/.local/state/promotion-board/lab).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import asdict
from pathlib import Path

from dashboard.vocabulary import KARGO_GROUP, KARGO_VERSION, REFRESH_ANNOTATION

REPO = Path(__file__).resolve().parents[1]
PEOPLE = {"ana": "qa", "paulo": "po", "root": "admin"}
BOARD_IDENTITY = "user-a"
START_TIMEOUT = float(os.environ.get("LAB_START_TIMEOUT", "1800"))  # a cold build of the binaries is slow
STOP_TIMEOUT = 120.0  # it stops ~20 processes in order, each given up to 10 s
# The talk's error build in KWOK's terms (its backend Pods never become Ready); every lab loads it.
ERROR_BUILD_STAGE = REPO / "lab" / "kwok" / "error-build-never-ready.yaml"
NO_LAB = "No lab is running: `make lab` starts one."


def state_dir() -> Path:
    configured = os.environ.get("LAB_STATE_DIR")
    if configured:
        return Path(configured)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "promotion-board" / "lab"


def running_pid(state: Path) -> int | None:
    """The pid of the lab process this state dir names, if that process is alive."""
    try:
        pid = int((state / "lab.pid").read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def new_tag() -> str:
    """An 8-hex image tag, as CI tags builds (the Warehouse's constraint)."""
    return secrets.token_hex(4)


def error_build_tag() -> str:
    """The image tag ERROR_BUILD_STAGE keys on (the Stage file is the one place it is written)."""
    # pylint: disable-next=import-outside-toplevel  # yaml is only needed here and by the lab process
    import yaml

    stage = yaml.safe_load(ERROR_BUILD_STAGE.read_text(encoding="utf-8"))
    (expression,) = [e for e in stage["spec"]["selector"]["matchExpressions"] if ".image" in e["key"]]
    (tag,) = expression["values"]
    return tag


def running_info(state: Path) -> dict | None:
    """lab.json of the running lab, or None when no lab runs (or it is still starting)."""
    if running_pid(state) is None or not (state / "lab.json").exists():
        return None
    return json.loads((state / "lab.json").read_text(encoding="utf-8"))


def lab_registry(info: dict):
    """The lab's registry (tests/harness/registry.py) from lab.json, to push to it."""
    # pylint: disable-next=import-outside-toplevel
    from tests.harness.registry import Registry

    fields = info["registry"]
    return Registry(
        host=fields["host"],
        username=fields["username"],
        password=fields["password"],
        ca_file=Path(fields["ca_file"]),
        crane=fields["crane"],
        workdir=Path(fields["workdir"]),
    )


def preflight_env(info: dict) -> dict[str, str]:
    """What scripts/preflight.sh reads, pointed at the running lab: its cluster, Git server (with its login),
    registry (TLS with the lab's CA and a login) and board."""
    registry = info["registry"]
    return {
        "KUBECONFIG": info["kubeconfig"],
        "PREFLIGHT_GIT_URL": info["git_url"],
        "PREFLIGHT_GIT_CREDENTIALS": f"{info['git_username']}:{info['git_token']}",
        "PREFLIGHT_IMAGE_NAMESPACE": info["image_namespace"],
        "PREFLIGHT_REGISTRY_URL": f"https://{registry['host']}",
        "PREFLIGHT_CA_FILE": registry["ca_file"],
        "PREFLIGHT_REGISTRY_CREDENTIALS": f"{registry['username']}:{registry['password']}",
        "PREFLIGHT_BOARD_URL": info["board_url"],
    }


def summary(info: dict) -> str:
    """What `make lab` prints: where everything is and how to log in."""
    lines = [
        f"Board:        {info['board_url']}",
        "  logins:     " + ", ".join(f"{n} / {p} ({PEOPLE[n]})" for n, p in info["passwords"].items()),
        f"Kubeconfig:   {info['kubeconfig']}   (admin; e.g. KUBECONFIG=... kubectl get stages -n userapp)",
        f"Git server:   {info['git_url']}   (user {info['git_username']}, token {info['git_token']})",
        f"Registry:     https://{info['registry']['host']}   (user {info['registry']['username']})",
        f"Images:       {info['image_namespace']}/userapp-backend, .../userapp-frontend",
        f"First tag:    {info['first_tag']}",
        *ui_lines(info),
        f"Logs:         {info['log']}",
        "Pods are simulated by KWOK: no container runs; Deployments, Jobs and the smoke test's Job complete",
        "without the app running. Kargo, Argo CD and Argo Rollouts are real.",
        "`make lab-push` pushes a new build; `make lab-down` stops everything.",
    ]
    return "\n".join(lines)


def ui_lines(info: dict) -> list[str]:
    """The Argo CD and Kargo UIs with their logins, when the lab runs them (LAB_UIS=1)."""
    uis = info.get("uis")
    if not uis:
        return ["UIs:          not started (`make lab UIS=1` adds the Argo CD and Kargo UIs)"]
    titles = {"argocd": "Argo CD UI:", "kargo": "Kargo UI:"}
    return [
        f"{titles.get(name, name):13} {ui['url']}   (login {ui['username']} / {ui['password']})"
        for name, ui in uis.items()
    ]


def uis_wanted() -> bool:
    return os.environ.get("LAB_UIS", "").strip() not in ("", "0")


def answers(board_url: str) -> bool:
    with urllib.request.urlopen(f"{board_url}/", timeout=2) as response:  # noqa: S310 - loopback board
        return response.status == 200


def dev_shows(board_url: str, tag: str) -> bool:
    """True once the board's page shows `tag` in the dev Stage's card."""
    with urllib.request.urlopen(f"{board_url}/", timeout=5) as response:  # noqa: S310 - loopback board
        page = response.read().decode("utf-8", "replace")
    match = re.search(r'<article[^>]*data-stage="?dev"?[^>]*>(.*?)</article>', page, re.S)
    # The card marks the tag up (`userapp-backend:<b>tag</b>`): compare its text.
    return bool(match and f":{tag}" in re.sub(r"<[^>]+>", "", match.group(1)))


# --- the background process ---------------------------------------------------------------------------------


def serve(state: Path) -> int:  # pylint: disable=too-many-locals
    """Run the lab until SIGTERM; write lab.json once everything answers."""
    # pylint: disable=import-outside-toplevel  # the harness is only needed by the lab process
    import yaml

    from dashboard.auth.users import hash_password
    from tests.dashboard.chart_rbac import bind_chart_rbac
    from tests.harness.kargo import ARGOCD_NAMESPACE
    from tests.harness.lab import PROJECT, install_pipeline, kargo_lab
    from tests.harness.lab_uis import lab_uis
    from tests.harness.processes import free_port, start_server, wait_until

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    started = time.monotonic()
    with ExitStack() as stack:
        lab = stack.enter_context(kargo_lab(controllers=True, kwok_stages=(ERROR_BUILD_STAGE,)))
        install_pipeline(lab)
        bind_chart_rbac(lab.cluster, PROJECT, BOARD_IDENTITY, argocd_namespace=ARGOCD_NAMESPACE)
        uis = (
            stack.enter_context(lab_uis(lab.cluster, lab.argocd, lab.cluster.workdir))
            if uis_wanted()
            else None
        )
        passwords = {name: secrets.token_urlsafe(9) for name in PEOPLE}
        users = state / "users.yaml"
        users.write_text(
            yaml.safe_dump(
                {
                    "users": [
                        {"name": n, "role": PEOPLE[n], "password_hash": hash_password(p)}
                        for n, p in passwords.items()
                    ]
                }
            ),
            encoding="utf-8",
        )
        users.chmod(0o600)
        port = int(os.environ.get("LAB_BOARD_PORT") or free_port())
        board_url = f"http://127.0.0.1:{port}"
        board_env = {
            **os.environ,
            "DASHBOARD_SOURCE": "kubernetes",
            "KUBECONFIG": str(lab.cluster.kubeconfig(BOARD_IDENTITY)),
            "KARGO_PROJECT": PROJECT,
            "ARGOCD_NAMESPACE": ARGOCD_NAMESPACE,
            "DASHBOARD_SECRET_KEY": secrets.token_hex(32),
            "DASHBOARD_USERS_FILE": str(users),
            "DASHBOARD_AUDIT_URL": f"sqlite:///{state / 'audit.sqlite3'}",
            "DASHBOARD_COOKIE_SECURE": "false",
        }
        board_log = state / "board.log"
        board = start_server(
            [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)],
            board_log,
            stack,
            env=board_env,
            cwd=REPO,
            group=True,
        )
        wait_until(
            lambda: answers(board_url),
            120,
            f"the board on {board_url}",
            board,
            board_log,
        )
        tag = push(lab.registry, lab.cluster.kubeconfig("admin"), PROJECT)
        info = {
            "pid": os.getpid(),
            "board_url": board_url,
            "passwords": passwords,
            "kubeconfig": str(lab.cluster.kubeconfig("admin")),
            "git_url": lab.names.git_url,
            "git_username": lab.git.username,
            "git_token": lab.git.token,
            "registry": {k: str(v) for k, v in asdict(lab.registry).items()},
            "image_namespace": lab.names.image_namespace,
            "project": PROJECT,
            "first_tag": tag,
            "log": str(state / "lab.log"),
            "startup_seconds": round(time.monotonic() - started, 1),
            "pids": {
                name: proc.pid
                for part in (lab.kargo, lab.argocd, lab.nodes)
                if part is not None
                for name, proc in part.procs.items()
            }
            | ({"rollouts-controller": lab.rollouts.proc.pid} if lab.rollouts else {})
            | ({name: proc.pid for name, proc in uis.procs.items()} if uis else {})
            | {"board": board.pid},
        }
        if uis:
            # {"argocd": {"url", "username", "password"}, "kargo": {...}}: other tools read this shape.
            info["uis"] = uis.state()
        info_file = state / "lab.json"
        info_file.write_text(json.dumps(info, indent=2), encoding="utf-8")
        info_file.chmod(0o600)
        print(f"[lab] ready after {info['startup_seconds']} s", flush=True)
        while not stopping.wait(2):
            lab.check_running()
            if uis:
                uis.check_running()
        print("[lab] stopping", flush=True)
    return 0


# Every call the lab commands make to the lab's apiserver is bounded (seconds).
KUBE_TIMEOUT = 10.0


def kargo_objects(kubeconfig: Path | str):
    """The Kubernetes client's custom-objects API, as the kubeconfig's identity (the lab's admin)."""
    # pylint: disable=import-outside-toplevel
    from kubernetes import client, config

    return client.CustomObjectsApi(config.new_client_from_config(str(kubeconfig)))


def push(registry, kubeconfig: Path | str, project: str, tag: str | None = None) -> str:
    """Push both images at one new tag (as CI does) and ask the Warehouse to look now."""
    tag = tag or new_tag()
    for app in ("userapp-backend", "userapp-frontend"):
        registry.push_image(f"promotionboard/{app}", tag, {"org.opencontainers.image.revision": tag * 5})
    kargo_objects(kubeconfig).patch_namespaced_custom_object(
        KARGO_GROUP,
        KARGO_VERSION,
        project,
        "warehouses",
        "userapp",
        {"metadata": {"annotations": {REFRESH_ANNOTATION: str(time.time())}}},
        _request_timeout=KUBE_TIMEOUT,
    )
    return tag


def auto_promotion_held(stage: dict) -> bool:
    """Whether Kargo holds this Stage's auto-promotion now: after a manual promotion of Freight other than
    the candidate, such as a rollback (status.effectiveAutoPromotionHolds, Kargo v1.11)."""
    return bool((stage.get("status") or {}).get("effectiveAutoPromotionHolds"))


def dev_auto_promotion_held(kubeconfig: Path | str, project: str) -> bool:
    stage = kargo_objects(kubeconfig).get_namespaced_custom_object(
        KARGO_GROUP, KARGO_VERSION, project, "stages", "dev", _request_timeout=KUBE_TIMEOUT
    )
    return isinstance(stage, dict) and auto_promotion_held(stage)


# --- the commands -------------------------------------------------------------------------------------------


def cmd_up(state: Path) -> int:
    pid = running_pid(state)
    if pid is not None:
        print(f"A lab is already running (pid {pid}); `make lab-down` stops it.")
        info_file = state / "lab.json"
        if info_file.exists():
            print(summary(json.loads(info_file.read_text(encoding="utf-8"))))
        return 1
    state.mkdir(parents=True, exist_ok=True)
    (state / "lab.json").unlink(missing_ok=True)
    log = state / "lab.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        # pylint: disable-next=consider-using-with  # the lab outlives this command; lab-down stops it
        proc = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "scripts.lab", "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
            env={**os.environ, "LAB_STATE_DIR": str(state)},
        )
    (state / "lab.pid").write_text(str(proc.pid), encoding="utf-8")
    print(
        f"[lab] starting (pid {proc.pid}, log {log}); a cold first run builds the binaries first", flush=True
    )
    deadline = started + START_TIMEOUT
    while not (state / "lab.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            why = (
                f"exited with code {proc.returncode}" if proc.poll() is not None else "did not start in time"
            )
            stop_lab(state)
            print(f"[lab] the lab {why}:\n{tail}", file=sys.stderr)
            return 1
        time.sleep(1)
    info = json.loads((state / "lab.json").read_text(encoding="utf-8"))
    print(f"[lab] up after {time.monotonic() - started:.0f} s", flush=True)
    print(summary(info))
    while time.monotonic() < deadline:
        try:
            if dev_shows(info["board_url"], info["first_tag"]):
                elapsed = time.monotonic() - started
                print(f"[lab] Freight {info['first_tag']} in dev on the board after {elapsed:.0f} s")
                return 0
        except OSError:
            pass
        time.sleep(1)
    print("[lab] the first Freight did not reach dev on the board in time; see the log", file=sys.stderr)
    return 1


def cmd_push(state: Path, build: str = "new") -> int:
    """Push a new build (a new 8-hex tag), or with build="error" the talk's error build (lab/kwok/)."""
    info = running_info(state)
    if info is None:
        print(NO_LAB, file=sys.stderr)
        return 1
    wanted = error_build_tag() if build == "error" else None
    tag = push(lab_registry(info), info["kubeconfig"], info["project"], wanted)
    print(
        f"[lab] pushed userapp-backend and userapp-frontend at {tag}; Kargo's Warehouse was asked to look now"
    )
    if dev_auto_promotion_held(info["kubeconfig"], info["project"]):
        print(
            "[lab] Kargo holds dev's auto-promotion since a manual promotion there (a rollback): this build "
            "enters dev when root (admin) promotes it on the board, which releases the hold"
        )
    if build == "error":
        print("[lab] the talk's error build: its backend Pods never become Ready, so dev never verifies it")
    print(f"[lab] board: {info['board_url']}")
    return 0


def stop_lab(state: Path) -> bool:
    """SIGTERM the lab process (it stops its parts in order), SIGKILL its process group after STOP_TIMEOUT;
    True if one was running."""
    pid = running_pid(state)
    if pid is None:
        (state / "lab.pid").unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        reap(pid)
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(pid, signal.SIGKILL)
    for name in ("lab.pid", "lab.json"):
        (state / name).unlink(missing_ok=True)
    return True


def reap(pid: int) -> None:
    """Collect `pid`'s exit status if it is this process's child (a lab started in-process: the tests,
    `make backup-video`). Until then it is a zombie, which still counts as a member of its process group."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc), whatever process group or session they chose."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cmd_status(state: Path) -> int:
    """Every lab process with its resident memory and CPU share (ps), and the total."""
    pid = running_pid(state)
    if pid is None:
        print(NO_LAB, file=sys.stderr)
        return 1
    pids = ",".join(str(p) for p in descendants(pid))
    result = subprocess.run(  # noqa: S603 - procps
        [shutil.which("ps") or "/bin/ps", "-o", "pid=,rss=,pcpu=,comm=", "-p", pids],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = [line.split(None, 3) for line in result.stdout.splitlines() if line.strip()]
    for row_pid, rss, cpu, comm in sorted(rows, key=lambda row: -int(row[1])):
        print(f"{row_pid:>8} {int(rss) / 1024:8.1f} MiB {float(cpu):5.1f}% {comm}")
    total_rss = sum(int(row[1]) for row in rows) / 1024
    total_cpu = sum(float(row[2]) for row in rows)
    print(f"{len(rows)} processes, {total_rss:.0f} MiB resident, {total_cpu:.1f}% CPU (average since start)")
    return 0


def running_info_or_say(state: Path, consequence: str) -> dict | None:
    """The running lab's lab.json; without a lab, None after saying so on stderr, with what that means."""
    info = running_info(state)
    if info is None:
        print(f"No lab is running (`make lab` starts one){consequence}", file=sys.stderr)
    return info


def cmd_kubeconfig(state: Path) -> int:
    """Print the running lab's admin kubeconfig path (what `make record` records from without KUBECONFIG)."""
    info = running_info_or_say(state, " and KUBECONFIG is not set.")
    if info is None:
        return 1
    print(info["kubeconfig"])
    return 0


def cmd_preflight_env(state: Path) -> int:
    """Print the shell variables `make preflight` needs for the running lab (`eval` them)."""
    info = running_info_or_say(state, ": no preflight settings to print.")
    if info is None:
        return 1
    for name, value in preflight_env(info).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def cmd_down(state: Path) -> int:
    print("[lab] stopped" if stop_lab(state) else "[lab] no lab was running")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.lab", description=(__doc__ or "").split("\n", 1)[0]
    )
    parser.add_argument(
        "command", choices=("up", "push", "down", "status", "kubeconfig", "preflight-env", "serve")
    )
    parser.add_argument(
        "--build",
        choices=("new", "error"),
        default="new",
        help="push: a new build (default) or the talk's error build, whose backend never becomes Ready",
    )
    args = parser.parse_args(argv)
    state = state_dir()
    if args.command == "serve":
        return serve(state)
    if args.command == "push":
        return cmd_push(state, args.build)
    commands = {
        "up": cmd_up,
        "push": cmd_push,
        "down": cmd_down,
        "status": cmd_status,
        "kubeconfig": cmd_kubeconfig,
        "preflight-env": cmd_preflight_env,
    }
    return commands[args.command](state)


if __name__ == "__main__":
    sys.exit(main())
