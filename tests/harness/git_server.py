"""A real Git server for tests: Debian's nginx + fcgiwrap in front of `git http-backend` (smart HTTP).

It plays GitHub: clone, fetch and push over HTTP with a user name and a token (nginx basic auth), and
`git http-backend` refuses pushes from anyone nginx did not authenticate. It listens on 127.0.0.1 only. Plain
HTTP, not HTTPS: Kargo runs git with a scrubbed environment and the system trust store, so a test CA cannot
reach it; Kargo is told to send credentials over HTTP (ALLOW_CREDENTIALS_OVER_HTTP, a setting of its chart).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError

from tests.harness.processes import (
    HarnessError,
    find_program,
    free_port,
    running_as_root,
    start_server,
    stop_group,
    wait_until,
)

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_AUTHOR_NAME": "promotion-board tests",
    "GIT_AUTHOR_EMAIL": "tests@promotion-board.invalid",
    "GIT_COMMITTER_NAME": "promotion-board tests",
    "GIT_COMMITTER_EMAIL": "tests@promotion-board.invalid",
}


class _Backend:
    """fcgiwrap, the process nginx hands git requests to: stopping it makes the server answer 502."""

    def __init__(self, fcgiwrap: str, work: Path, stack: ExitStack) -> None:
        self.socket = work / "fcgiwrap.sock"
        self.log = work / "fcgiwrap.log"
        self.argv = [fcgiwrap, "-c", "4", "-s", f"unix:{self.socket}"]
        self.stack = stack
        self.proc = self.start()

    def start(self) -> subprocess.Popen:
        self.socket.unlink(missing_ok=True)
        proc = start_server(self.argv, self.log, self.stack, group=True)  # fcgiwrap preforks workers
        wait_until(self.socket.exists, 10, "fcgiwrap socket", proc, self.log)
        self.socket.chmod(0o666)  # nginx's workers may run as another user
        self.proc = proc
        return proc


@dataclass(frozen=True)
class GitServer:
    base_url: str  # http://127.0.0.1:<port>
    username: str
    token: str
    repos: Path
    workdir: Path
    _backend: _Backend = field(repr=False, compare=False)

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The Git server is down (nginx answers 502 Bad Gateway) until the block ends."""
        stop_group(self._backend.proc)
        try:
            yield
        finally:
            self._backend.start()

    def url(self, repo: str) -> str:
        """The clone URL of `repo` ("owner/name.git"), without credentials, as Kargo and Argo CD see it."""
        return f"{self.base_url}/{repo}"

    def _authed(self, repo: str) -> str:
        host = self.base_url.removeprefix("http://")
        return f"http://{self.username}:{self.token}@{host}/{repo}"

    def create_repo(self, repo: str) -> None:
        path = self.repos / repo
        git(["init", "--quiet", "--bare", "--initial-branch=main", str(path)])
        git(["-C", str(path), "config", "http.receivepack", "true"])

    def push_files(self, repo: str, branch: str, files: Mapping[str, bytes], message: str) -> str:
        """Commit exactly `files` (path -> content) as the tip of `branch`, pushed over HTTP; returns it."""
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            tree = Path(tmp)
            git(["init", "--quiet", f"--initial-branch={branch}", str(tree)])
            for name, content in files.items():
                target = tree / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            git(["-C", str(tree), "add", "--all"])
            git(["-C", str(tree), "commit", "--quiet", "-m", message])
            git(
                [
                    "-C",
                    str(tree),
                    "push",
                    "--quiet",
                    "--force",
                    self._authed(repo),
                    f"HEAD:refs/heads/{branch}",
                ]
            )
            return git(["-C", str(tree), "rev-parse", "HEAD"]).strip()

    def head(self, repo: str, branch: str) -> str | None:
        """The commit at the tip of `branch` as a client sees it (`git ls-remote` over HTTP), or None."""
        out = git(["ls-remote", self._authed(repo), f"refs/heads/{branch}"])
        return out.split()[0] if out.strip() else None

    def read_file(self, repo: str, ref: str, path: str) -> str:
        """The content of `path` at `ref` (a branch or commit) in the server's repository."""
        return git(["-C", str(self.repos / repo), "show", f"{ref}:{path}"])

    def log(self, repo: str, ref: str) -> list[str]:
        """Commit messages on `ref`, newest first."""
        out = git(["-C", str(self.repos / repo), "log", "--format=%B%x00", ref])
        return [message.strip() for message in out.split("\0") if message.strip()]


def git(args: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - git with our own arguments
        ["git", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"git {' '.join(args[:3])} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


def ssha_line(username: str, password: str) -> str:
    """One nginx auth_basic_user_file entry, salted SHA-1 ({SSHA}, one of the schemes nginx reads)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt, usedforsecurity=False).digest()
    return f"{username}:{{SSHA}}{base64.b64encode(digest + salt).decode()}\n"


def _nginx_config(work: Path, port: int) -> str:
    # When the tests run as root, nginx's workers run as "nobody": the files they read are made readable.
    user = "user nobody nogroup;" if running_as_root() else ""
    temp = work / "nginx-temp"
    return f"""{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log {work}/nginx-access.log;
  client_body_temp_path {temp}/body;
  fastcgi_temp_path {temp}/fastcgi;
  proxy_temp_path {temp}/proxy;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{port};
    auth_basic "promotion-board test git";
    auth_basic_user_file {work}/htpasswd;
    location / {{
      fastcgi_pass unix:{work}/fcgiwrap.sock;
      fastcgi_param SCRIPT_FILENAME {HTTP_BACKEND};
      fastcgi_param GIT_PROJECT_ROOT {work}/repos;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param PATH_INFO $uri;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param HTTP_GIT_PROTOCOL $http_git_protocol;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
    }}
  }}
}}
"""


@contextmanager
def git_server():  # pylint: disable=too-many-locals
    """Start fcgiwrap + nginx serving `git http-backend` with basic auth; yield a GitServer; stop both."""
    nginx = find_program("nginx", ["/usr/sbin"])
    fcgiwrap = find_program("fcgiwrap", ["/usr/sbin"])
    if not Path(HTTP_BACKEND).exists():
        raise HarnessError(f"{HTTP_BACKEND} not found: install Debian's git (`make setup-system`)")
    if shutil.which("git") is None:
        raise HarnessError("git not found on PATH: run `make setup-system`")
    with tempfile.TemporaryDirectory(prefix="git-test-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        work.chmod(0o755)
        for sub in ("repos", "nginx-temp"):
            (work / sub).mkdir()
        username, token = "promotionboard", secrets.token_urlsafe(24)
        (work / "htpasswd").write_text(ssha_line(username, token))
        (work / "htpasswd").chmod(0o644)
        backend = _Backend(fcgiwrap, work, stack)
        port = free_port()
        config = work / "nginx.conf"
        config.write_text(_nginx_config(work, port))
        nginx_log = work / "nginx-error.log"
        proc = start_server(
            [nginx, "-e", "stderr", "-p", str(work), "-c", str(config), "-g", "daemon off;"], nginx_log, stack
        )
        base_url = f"http://127.0.0.1:{port}"

        def asks_for_login() -> bool:
            try:
                with urllib.request.urlopen(f"{base_url}/", timeout=2):  # noqa: S310 - our loopback server
                    pass
            except HTTPError as exc:
                return exc.code == 401
            return False

        wait_until(
            asks_for_login, 20, f"nginx git server on 127.0.0.1:{port} (asks for a login)", proc, nginx_log
        )
        yield GitServer(base_url, username, token, work / "repos", work, backend)
