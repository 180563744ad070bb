"""The front end's image, started as a container runtime starts it, without a container runtime.

The image's files (its Dockerfile's final-stage COPYs, the base image's nginx entrypoint from
vendor/nginx-entrypoint/ and nginx's mime.types) are laid out as a root filesystem; bubblewrap makes that the
root, read-only when the chart's container says `readOnlyRootFilesystem`, binds a fresh private folder exactly
where the chart mounts an emptyDir and nowhere else, runs as the chart's uid, with the image's ENV plus the
chart's env, and executes the base image's ENTRYPOINT and CMD. The host lends only its programs (/usr: nginx,
sh, envsubst, find, awk), as the alpine base would. Nothing here creates a folder the product should create.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.processes import HarnessError

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "userapp" / "frontend"
ENTRYPOINT_COPY = REPO / "vendor" / "nginx-entrypoint"
# nginxinc/nginx-unprivileged's Dockerfile (stable/alpine-slim): ENTRYPOINT ["/docker-entrypoint.sh"],
# CMD ["nginx", "-g", "daemon off;"], and the PATH of its alpine base. Our Dockerfile and chart override
# neither.
ENTRYPOINT = ["/docker-entrypoint.sh"]
CMD = ["nginx", "-g", "daemon off;"]
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
# The host's programs and libraries, lent read-only (those the host has); /bin, /lib... link into /usr as on a
# merged-/usr system. The image's own /usr/share (its html) stays the image's.
# Debian's awk is a link through /etc/alternatives, lent too.
HOST_PROGRAMS = tuple(
    p for p in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc/alternatives") if Path("/", p).is_dir()
)
HOST_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}


def final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM\s", dockerfile, flags=re.M)[-1]


def dockerfile_env(dockerfile: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", final_stage(dockerfile), re.M):
        env.update(re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")))
    return env


def dockerfile_copies(dockerfile: str) -> list[tuple[str | None, str, str]]:
    """(build stage or None for the context, source, destination) of every COPY of the final stage."""
    copies = []
    for flags, source, destination in re.findall(
        r"^COPY\s+((?:--\S+\s+)*)(\S+)\s+(\S+)\s*$", final_stage(dockerfile), re.M
    ):
        stage = re.search(r"--from=(\S+)", flags)
        copies.append((stage.group(1) if stage else None, source, destination))
    return copies


@dataclass
class FrontendContainer:
    """One run of the image: `root` its filesystem, `volumes` the emptyDirs (mount path -> folder)."""

    root: Path
    volumes: dict[str, Path]
    env: dict[str, str]
    user: int
    group: int
    read_only: bool

    def command(self) -> list[str]:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise HarnessError("bubblewrap (bwrap) is not installed: run `make setup-system`")
        args = [bwrap, "--die-with-parent", "--unshare-user", "--unshare-pid", "--unshare-ipc"]
        args += ["--uid", str(self.user), "--gid", str(self.group), "--bind", str(self.root), "/"]
        for name in HOST_PROGRAMS:
            args += ["--ro-bind", f"/{name}", f"/{name}"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        for mount_path, folder in self.volumes.items():
            args += ["--bind", str(folder), mount_path]
        if self.read_only:
            args += ["--remount-ro", "/"]
        args += ["--clearenv"]
        for key, value in self.env.items():
            args += ["--setenv", key, value]
        return [*args, *ENTRYPOINT, *CMD]


def build_root(root: Path, dist: Path) -> None:
    """The image's files: the base image's entrypoint and mime.types, then the Dockerfile's COPYs."""
    text = (FRONTEND / "Dockerfile").read_text(encoding="utf-8")
    if not (ENTRYPOINT_COPY / "docker-entrypoint.sh").is_file():
        raise HarnessError(f"{ENTRYPOINT_COPY} is missing: scripts/refresh-nginx-entrypoint.sh brings it")
    mime_types = Path("/etc/nginx/mime.types")
    if not mime_types.is_file():
        raise HarnessError("nginx is not installed (no /etc/nginx/mime.types): run `make setup-system`")
    # The base image's layout: the folders it ships (an empty /tmp, nginx's conf.d and html), mount points
    # for /proc, /dev and the host's /usr, and the links of a merged /usr.
    for folder in ("tmp", "proc", "dev", "etc/nginx/conf.d", "usr/share/nginx/html", *HOST_PROGRAMS):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for link, target in HOST_LINKS.items():
        (root / link).symlink_to(target)
    shutil.copy2(ENTRYPOINT_COPY / "docker-entrypoint.sh", root / "docker-entrypoint.sh")
    shutil.copytree(ENTRYPOINT_COPY / "docker-entrypoint.d", root / "docker-entrypoint.d")
    shutil.copy2(mime_types, root / "etc" / "nginx" / "mime.types")
    for stage, source, destination in dockerfile_copies(text):
        origin = dist if (stage, source) == ("build", "/app/dist") else FRONTEND / source
        if stage not in (None, "build") or not origin.exists():
            raise HarnessError(
                f"userapp/frontend/Dockerfile: COPY {source} {destination} is not understood here"
            )
        target = root / destination.lstrip("/")
        if origin.is_dir():
            shutil.copytree(origin, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


def frontend_container(
    workdir: Path, dist: Path, deployment: dict[str, Any], env: dict[str, str]
) -> FrontendContainer:
    """The image run as `deployment` (a rendered Deployment of the chart) runs it, plus `env` overrides."""
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    if "command" in container or "args" in container:
        raise HarnessError("the chart overrides the image's entrypoint: update frontend_image.py")
    context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    root = workdir / "root"
    build_root(root, dist)
    volumes = {}
    for mount in container.get("volumeMounts", []):
        if mount["name"] not in empty_dirs:
            raise HarnessError(f"volume {mount['name']} is no emptyDir: update frontend_image.py")
        folder = workdir / "volumes" / mount["name"]
        folder.mkdir(parents=True)
        volumes[mount["mountPath"]] = folder
    chart_env = {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}
    text = (FRONTEND / "Dockerfile").read_text(encoding="utf-8")
    return FrontendContainer(
        root=root,
        volumes=volumes,
        env={**BASE_ENV, **dockerfile_env(text), **chart_env, **env},
        user=int(context["runAsUser"]),
        group=int(context.get("runAsGroup", context["runAsUser"])),
        read_only=bool(context.get("readOnlyRootFilesystem", False)),
    )


def start(container: FrontendContainer, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        # A server that outlives this function: the caller stops it (tests.harness.processes.stop).
        return subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with
            container.command(), stdout=out, stderr=subprocess.STDOUT
        )
