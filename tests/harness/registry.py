"""A real OCI registry for tests (distribution v3, the registry behind Docker Hub), and crane to push to it.

Both binaries come from scripts/build-kargo.sh (pinned in scripts/install-tools.sh). The registry listens on
127.0.0.1 with TLS from the harness's CA and htpasswd authentication, as Docker Hub wants a login; clients
trust the CA through SSL_CERT_FILE. Images are built as OCI image layouts here (one small layer, a config
with its creation time and OCI labels) and pushed with `crane push`: no Docker anywhere.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import secrets
import ssl
import subprocess
import tarfile
import tempfile
import urllib.request
import warnings
from base64 import b64encode
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError

import yaml

from tests.harness.certs import issue_server_cert
from tests.harness.processes import HarnessError, free_port, start_server, wait_until

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Registry:
    host: str  # 127.0.0.1:<port>, the registry part of an image reference
    username: str
    password: str
    ca_file: Path
    crane: str
    workdir: Path

    def push_image(self, repository: str, tag: str, labels: dict[str, str] | None = None) -> str:
        """Build a one-layer image and push it as <host>/<repository>:<tag>; returns its digest."""
        layout = Path(tempfile.mkdtemp(prefix="oci-", dir=self.workdir))
        digest = write_oci_layout(layout, f"{repository}:{tag}", labels or {})
        env = {**os.environ, "SSL_CERT_FILE": str(self.ca_file), "HOME": str(self.workdir)}
        reference = f"{self.host}/{repository}:{tag}"
        for argv in (
            [self.crane, "auth", "login", self.host, "-u", self.username, "--password-stdin"],
            [self.crane, "push", str(layout), reference],
        ):
            result = subprocess.run(  # noqa: S603 - our pinned crane
                argv,
                input=self.password if "login" in argv else None,
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
                check=False,
            )
            if result.returncode != 0:
                raise HarnessError(f"crane {argv[1]} {reference} failed:\n{result.stderr[-2000:]}")
        return digest

    def tags(self, repository: str) -> list[str]:
        """The tags the registry lists for `repository` (authenticated, over TLS)."""
        request = urllib.request.Request(  # noqa: S310 - our loopback registry
            f"https://{self.host}/v2/{repository}/tags/list",
            headers={
                "Authorization": "Basic " + b64encode(f"{self.username}:{self.password}".encode()).decode()
            },
        )
        context = ssl.create_default_context(cafile=str(self.ca_file))
        try:
            with urllib.request.urlopen(request, context=context, timeout=5) as response:  # noqa: S310
                return list(json.load(response).get("tags") or [])
        except HTTPError as exc:
            if exc.code == 404:
                return []
            raise


def write_oci_layout(  # pylint: disable=too-many-locals  # one local per blob of the layout
    directory: Path, name: str, labels: dict[str, str]
) -> str:
    """An OCI image layout with one image (linux/amd64): a layer holding /image-name, a config created now."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}"

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        content = f"{name}\n".encode()
        info = tarfile.TarInfo("image-name")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer_tar = raw.getvalue()
    layer = gzip.compress(layer_tar, mtime=0)
    layer_digest = blob(layer)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    config = json.dumps(
        {
            "created": created,
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer_tar).hexdigest()}"]},
            "history": [{"created": created, "created_by": "tests/harness/registry.py"}],
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": blob(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest,
                    "size": len(layer),
                }
            ],
            "annotations": {
                key: value for key, value in labels.items() if key.startswith("org.opencontainers")
            },
        }
    ).encode()
    manifest_digest = blob(manifest)
    (directory / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (directory / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": manifest_digest,
                        "size": len(manifest),
                        "platform": {"architecture": "amd64", "os": "linux"},
                    }
                ],
            }
        )
    )
    return manifest_digest


def registry_binaries() -> tuple[str, str]:
    """(registry, crane) from the pinned tools cache; a clear error when `make setup-kargo` has not run."""
    paths = []
    for tool in ("registry", "crane"):
        result = subprocess.run(  # noqa: S603 - our own script
            [str(REPO / "scripts/install-tools.sh"), tool],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            raise HarnessError(
                f"the {tool} binary is missing and could not be built (run `make setup-kargo`):\n"
                f"{result.stderr[-3000:]}"
            )
        paths.append(result.stdout.strip().splitlines()[-1])
    return paths[0], paths[1]


def htpasswd_line(username: str, password: str) -> str:
    """One htpasswd entry with a bcrypt hash (the only scheme distribution's htpasswd accepts)."""
    with warnings.catch_warnings():
        # crypt(3) makes the bcrypt hash; the module is deprecated (gone in 3.13), the project pins 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # pylint: disable=deprecated-module,import-outside-toplevel

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
    if not hashed or not hashed.startswith("$2"):
        raise HarnessError(
            "this system's crypt(3) cannot make bcrypt hashes (needed for the registry's htpasswd)"
        )
    return f"{username}:{hashed}\n"


@contextmanager
def registry_server(ca_directory: Path):  # pylint: disable=too-many-locals
    """Start the registry (TLS from the CA in `ca_directory`, htpasswd auth); yield a Registry; stop it."""
    registry_bin, crane_bin = registry_binaries()
    with tempfile.TemporaryDirectory(prefix="registry-test-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        issue_server_cert(ca_directory, work / "tls.crt", work / "tls.key", "registry")
        username, password = "promotionboard", secrets.token_urlsafe(24)
        (work / "htpasswd").write_text(htpasswd_line(username, password))
        port = free_port()
        config = {
            "version": 0.1,
            "log": {"level": "info", "formatter": "text"},
            "storage": {"filesystem": {"rootdirectory": str(work / "data")}, "delete": {"enabled": True}},
            "http": {
                "addr": f"127.0.0.1:{port}",
                "secret": secrets.token_hex(16),
                "tls": {"certificate": str(work / "tls.crt"), "key": str(work / "tls.key")},
            },
            "auth": {"htpasswd": {"realm": "promotion-board-test", "path": str(work / "htpasswd")}},
        }
        (work / "config.yml").write_text(yaml.safe_dump(config))
        log = work / "registry.log"
        proc = start_server(
            [registry_bin, "serve", str(work / "config.yml")],
            log,
            stack,
            env={**os.environ, "OTEL_TRACES_EXPORTER": "none"},
        )
        context = ssl.create_default_context(cafile=str(ca_directory / "ca.crt"))

        def answers_401() -> bool:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our loopback registry
                    f"https://127.0.0.1:{port}/v2/", context=context, timeout=2
                ):
                    pass
            except HTTPError as exc:
                return exc.code == 401
            return False

        wait_until(answers_401, 30, f"registry on 127.0.0.1:{port} (asks for a login)", proc, log)
        yield Registry(
            host=f"127.0.0.1:{port}",
            username=username,
            password=password,
            ca_file=ca_directory / "ca.crt",
            crane=crane_bin,
            workdir=work,
        )
