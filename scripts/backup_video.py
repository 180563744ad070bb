"""`make backup-video`: the talk's whole story played on the real lab and filmed from the board's projector
page into an MP4, the talk's backup when the live demo cannot run.

The story: CI pushes a build (Kargo promotes dev by itself and verifies it), QA (ana) promotes it to stg and
the PO (paulo) to prod on the board, then the talk's error build (lab/kwok/: its backend Pods never become
Ready, so dev never verifies it and stg is never offered it), then the admin (root) rolls dev back on the
board. Every write goes through the board's HTTP forms (login, CSRF token, confirm step), as a browser sends
them; every wait is bounded and names what it waited for.

The lab: the running one (`make lab`) when there is one, else a lab of its own (in a private state folder),
stopped at the end. A lab that has seen the error build already cannot show it again (Kargo keeps one Freight
per image tag): then it says so and stops.

Filming: headless Chromium (Playwright) takes a screenshot every VIDEO_FRAME_INTERVAL real seconds; each
frame lasts VIDEO_FRAME_SECONDS in the video, and each step's first frame, with its Portuguese caption drawn
into the page, VIDEO_CAPTION_SECONDS: a compressed-time story. The error build is shown VIDEO_ERROR_HOLD real
seconds (default 30) not becoming ready before the rollback. ffmpeg assembles the frames. When lab.json
names the Argo CD and Kargo UIs (`uis`), they are logged into and filmed too, beside the board's MP4.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.vocabulary import KARGO_GROUP, KARGO_VERSION
from scripts import lab as lab_cli

if TYPE_CHECKING:
    from playwright.sync_api import Page

HTTP_TIMEOUT = 10.0
FFMPEG_TIMEOUT = 600.0
CAPTION_ID = "backup-video-caption"
# A caption drawn over the page, at the bottom, readable from the back of the room.
CAPTION_SCRIPT = """([id, text]) => {
  let box = document.getElementById(id);
  if (!box) {
    box = document.createElement('div');
    box.id = id;
    box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;padding:18px 28px;' +
      'background:rgba(0,0,0,.82);color:#fff;font:600 30px/1.3 system-ui,sans-serif;text-align:center';
    document.body.appendChild(box);
  }
  box.textContent = text;
}"""


class StoryError(RuntimeError):
    """A step of the story did not happen; the message names the step and what was seen."""


@dataclass
class Timing:
    """Real seconds between two frames; video seconds of a frame, and of a step's captioned first frame."""

    frame_interval: float = 2.0
    frame_seconds: float = 0.5
    caption_seconds: float = 3.0

    @classmethod
    def from_env(cls) -> Timing:
        return cls(
            float(os.environ.get("VIDEO_FRAME_INTERVAL", cls.frame_interval)),
            float(os.environ.get("VIDEO_FRAME_SECONDS", cls.frame_seconds)),
            float(os.environ.get("VIDEO_CAPTION_SECONDS", cls.caption_seconds)),
        )


# --- frames into an MP4 -------------------------------------------------------------------------------------


@dataclass
class Reel:
    """Frames (PNG files) with how long each shows; `write` makes the MP4."""

    folder: Path
    frames: list[tuple[Path, float]] = field(default_factory=list)

    def next_path(self) -> Path:
        return self.folder / f"frame-{len(self.frames):05d}.png"

    def add(self, path: Path, seconds: float) -> None:
        self.frames.append((path, seconds))

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.frames)

    def write(self, out: Path, fps: int = 10) -> None:
        """ffmpeg's concat demuxer gives each frame its own duration; `fps` makes the rate constant."""
        if not self.frames:
            raise StoryError(f"no frame to write into {out}")
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise StoryError("ffmpeg not found: `make setup-system` installs it (Debian's ffmpeg)")
        listing = self.folder / "frames.ffconcat"
        lines = ["ffconcat version 1.0"]
        for path, seconds in self.frames:
            lines += [f"file '{path.name}'", f"duration {seconds:.3f}"]
        lines.append(f"file '{self.frames[-1][0].name}'")  # the demuxer drops the last duration otherwise
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [
            ffmpeg, "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
            "-vf", f"fps={fps},scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-movflags", "+faststart", str(out),
        ]  # fmt: skip
        try:
            result = subprocess.run(  # noqa: S603 - Debian's ffmpeg on our own frames
                command, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise StoryError(f"ffmpeg did not write {out} within {FFMPEG_TIMEOUT:.0f}s") from error
        if result.returncode != 0:
            raise StoryError(f"ffmpeg could not write {out}: {result.stderr.strip()[-800:]}")


def probe(path: Path) -> dict[str, float]:
    """ffprobe's account of an MP4: duration (s), decoded frame count, width and height."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise StoryError("ffprobe not found: `make setup-system` installs it (Debian's ffmpeg)")
    command = [
        ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
        "-show_entries", "stream=nb_read_frames,width,height,codec_name:format=duration", "-of", "json",
        str(path),
    ]  # fmt: skip
    result = subprocess.run(  # noqa: S603 - Debian's ffprobe
        command, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise StoryError(f"ffprobe cannot read {path}: {result.stderr.strip()[-400:]}")
    found = json.loads(result.stdout)
    (stream,) = found["streams"]
    return {
        "duration": float(found["format"]["duration"]),
        "frames": int(stream["nb_read_frames"]),
        "width": int(stream["width"]),
        "height": int(stream["height"]),
        "h264": stream["codec_name"] == "h264",
    }


@dataclass
class Camera:
    """One browser page filmed into one Reel."""

    name: str
    page: Page
    reel: Reel

    def shoot(self, caption: str, seconds: float) -> None:
        self.page.evaluate(CAPTION_SCRIPT, [CAPTION_ID, caption])  # again: htmx may have swapped the body
        path = self.reel.next_path()
        self.page.screenshot(path=str(path))
        self.reel.add(path, seconds)


@dataclass
class Film:
    """Every camera, shot together: a captioned frame when a step starts, then one every frame_interval."""

    timing: Timing
    cameras: list[Camera] = field(default_factory=list)
    caption_text: str = ""
    last: float = 0.0

    def caption(self, text: str) -> None:
        print(f"[backup-video] {text}", flush=True)
        self.caption_text = text
        self._shoot(self.timing.caption_seconds)

    def tick(self) -> None:
        if time.monotonic() - self.last >= self.timing.frame_interval:
            self._shoot(self.timing.frame_seconds)

    def _shoot(self, seconds: float) -> None:
        for camera in self.cameras:
            camera.shoot(self.caption_text, seconds)
        self.last = time.monotonic()


def wait(film: Film | None, check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` (filming meanwhile) until it returns something truthy; StoryError naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if film is not None:
            film.tick()
        time.sleep(0.5)
    raise StoryError(f"waited {timeout:.0f}s for {what}; it did not happen")


def hold(film: Film | None, check: Callable[[], str | None], seconds: float, what: str) -> None:
    """`check` returns None while all is as the story says, else what went wrong; it must stay None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        wrong = check()
        if wrong is not None:
            raise StoryError(f"{what}: {wrong}")
        if film is not None:
            film.tick()
        time.sleep(0.5)


# --- the board, as a browser uses it ------------------------------------------------------------------------


class BoardSession:
    """One person on the board over HTTP: log in through the form, confirm an action, submit its form."""

    def __init__(self, board_url: str) -> None:
        self.board_url = board_url.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _open(self, path: str, data: dict[str, str] | None = None, htmx: bool = False) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - the lab's board on 127.0.0.1
            self.board_url + path, data=body, headers={"HX-Request": "true"} if htmx else {}
        )
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def login(self, name: str, password: str) -> BoardSession:
        # pylint: disable-next=import-outside-toplevel  # the form readers the tests use, not copied
        from tests.dashboard.board_client import hidden_fields

        status, page = self._open("/login")
        if status != 200:
            raise StoryError(f"the board's login page answered {status}")
        token = hidden_fields(page)["csrf_token"]
        status, page = self._open("/login", {"username": name, "password": password, "csrf_token": token})
        if status != 200 or 'name="password"' in page:
            raise StoryError(f"{name} could not log in to the board (HTTP {status})")
        return self

    def act(self, action: str, expected: str, **args: str) -> None:
        """The confirm step, then its form, as htmx sends them; StoryError unless the result is `expected`."""
        # pylint: disable-next=import-outside-toplevel
        from tests.dashboard.board_client import hidden_fields, result_code_in

        status, page = self._open(f"/actions/{action}?{urllib.parse.urlencode(args)}", htmx=True)
        if status != 200:
            raise StoryError(f"the board refused to confirm {action} {args} (HTTP {status}): {text_of(page)}")
        status, page = self._open(f"/actions/{action}", hidden_fields(page), htmx=True)
        code = result_code_in(page)
        if code != expected:
            raise StoryError(f"{action} {args}: the board answered {code or status}: {text_of(page)}")


def text_of(html: str) -> str:
    """A page's text, for an error message."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())[:300]


# --- what Kargo writes --------------------------------------------------------------------------------------


class Kargo:
    """Reads of the lab's Kargo objects (admin kubeconfig)."""

    def __init__(self, info: dict) -> None:
        self.api = lab_cli.kargo_objects(info["kubeconfig"])
        self.project = info["project"]

    def _list(self, plural: str) -> list[dict]:
        found: Any = self.api.list_namespaced_custom_object(
            KARGO_GROUP, KARGO_VERSION, self.project, plural, _request_timeout=HTTP_TIMEOUT
        )
        return found["items"]

    def freight_of(self, tag: str) -> dict | None:
        for item in self._list("freights"):
            if {image["tag"] for image in item.get("images", [])} == {tag}:
                return item
        return None

    def stage(self, name: str) -> dict:
        found: Any = self.api.get_namespaced_custom_object(
            KARGO_GROUP, KARGO_VERSION, self.project, "stages", name, _request_timeout=HTTP_TIMEOUT
        )
        return found

    def current(self, stage: str) -> str | None:
        history = (self.stage(stage).get("status") or {}).get("freightHistory") or [{}]
        names = [item["name"] for item in (history[0].get("items") or {}).values()]
        return names[0] if names else None

    def auto_promotion_held(self, stage: str) -> bool:
        return lab_cli.auto_promotion_held(self.stage(stage))

    def healthy(self, stage: str) -> bool:
        return ((self.stage(stage).get("status") or {}).get("health") or {}).get("status") == "Healthy"

    def verified_in(self, freight: str, stage: str) -> bool:
        for item in self._list("freights"):
            if item["metadata"]["name"] == freight:
                return stage in ((item.get("status") or {}).get("verifiedIn") or {})
        return False


# --- the story ----------------------------------------------------------------------------------------------


@dataclass
class Story:
    info: dict
    film: Film | None = None
    promotion_timeout: float = 300.0
    error_hold: float = 30.0  # how long the error build is shown not becoming ready

    def __post_init__(self) -> None:
        self.kargo = Kargo(self.info)

    def person(self, name: str) -> BoardSession:
        return BoardSession(self.info["board_url"]).login(name, self.info["passwords"][name])

    def caption(self, text: str) -> None:
        if self.film is not None:
            self.film.caption(text)
        else:
            print(f"[backup-video] {text}", flush=True)

    def push(self, tag: str | None = None) -> tuple[str, str]:
        """CI's part: both images at one tag; returns the tag and the Freight Kargo made of them."""
        tag = lab_cli.push(
            lab_cli.lab_registry(self.info), self.info["kubeconfig"], self.info["project"], tag
        )
        freight = wait(self.film, lambda: self.kargo.freight_of(tag), 120, f"Kargo's Freight of build {tag}")
        assert isinstance(freight, dict)
        return tag, freight["metadata"]["name"]

    def verified(self, freight: str, stage: str) -> None:
        wait(
            self.film,
            lambda: self.kargo.current(stage) == freight and self.kargo.verified_in(freight, stage),
            self.promotion_timeout,
            f"Freight {freight} running and verified in {stage}",
        )

    def good_build_to_prod(self) -> tuple[str, str]:
        """A build through dev (Kargo), stg (QA on the board) and prod (PO on the board)."""
        self.caption("O CI publica um build novo: o Kargo promove para dev sozinho")
        tag, freight = self.push()
        if self.kargo.auto_promotion_held("dev"):
            # A lab that has shown the rollback: Kargo keeps dev where the rollback put it until a person
            # promotes the candidate, as the runbook tells the speaker to do.
            self.caption("O dev segue retido desde o rollback: o admin (root) promove o build novo para dev")
            self.person("root").act("promote", "promote-done", stage="dev", freight=freight)
        self.caption(f"Build {tag} em dev: o Kargo verifica o ambiente")
        self.verified(freight, "dev")
        self.caption("QA (ana) aprova a promoção para stg no board")
        self.person("ana").act("promote", "promote-done", stage="stg", freight=freight)
        self.verified(freight, "stg")
        self.caption("PO (paulo) aprova a promoção para prod no board")
        self.person("paulo").act("promote", "promote-done", stage="prod", freight=freight)
        self.verified(freight, "prod")
        self.caption(f"Build {tag} em produção, verificado em dev, stg e prod")
        return tag, freight

    def error_build_and_rollback(self, good: str) -> None:
        error_tag = lab_cli.error_build_tag()
        if self.kargo.freight_of(error_tag) is not None:
            raise StoryError(
                f"this lab has seen the error build ({error_tag}) already and cannot show it again: "
                "`make lab-down`, then run `make backup-video` again (it starts a fresh lab)"
            )
        self.caption(f"O CI publica o build com erro ({error_tag}): o backend nunca fica Ready")
        _, bad = self.push(error_tag)
        wait(
            self.film,
            lambda: self.kargo.current("dev") == bad,
            self.promotion_timeout,
            "the error build in dev",
        )
        self.caption("dev não verifica o build com erro: o stg não recebe a oferta")

        def still_broken() -> str | None:
            if self.kargo.verified_in(bad, "dev"):
                return "Kargo verified the error build in dev"
            return None if self.kargo.current("dev") == bad else "dev left the error build by itself"

        hold(self.film, still_broken, self.error_hold, "the error build in dev")
        self.caption("O admin (root) volta o dev para o build anterior pelo board")
        self.person("root").act("rollback", "rollback-done", stage="dev", freight=good)
        wait(
            self.film,
            lambda: self.kargo.current("dev") == good and self.kargo.healthy("dev"),
            self.promotion_timeout,
            f"dev back at Freight {good} and Healthy after the rollback",
        )
        self.caption("dev de volta ao build anterior: Healthy")
        if self.film is not None:
            for _ in range(3):  # the last state, long enough to read
                self.film.last = 0.0
                self.film.tick()

    def run(self) -> None:
        _, good = self.good_build_to_prod()
        self.error_build_and_rollback(good)


# --- the Argo CD and Kargo UIs ------------------------------------------------------------------------------

UI_PAGES = {"argocd": "/applications", "kargo": "/project/userapp"}


def log_into_ui(page: Page, name: str, ui: dict) -> None:
    """The UI's own login form: a user name field when it has one (Kargo's admin login has none), the
    password, Enter; bounded, naming the UI."""
    page.goto(ui["url"], timeout=60_000)
    password = page.locator("input[type=password]").first
    try:
        password.wait_for(timeout=60_000)
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError, reported with the UI's name
        raise StoryError(f"{name}'s UI at {ui['url']} showed no login form within 60s") from error
    user = page.locator("input:not([type=password]):not([type=hidden]):not([type=checkbox])")
    if ui.get("username") and user.count():
        user.first.fill(ui["username"])
    password.fill(ui["password"])
    password.press("Enter")
    try:
        page.locator("input[type=password]").first.wait_for(state="detached", timeout=60_000)
    except Exception as error:  # noqa: BLE001
        raise StoryError(f"{name}'s UI at {ui['url']} still shows its login form after 60s") from error
    page.goto(ui["url"].rstrip("/") + UI_PAGES[name], timeout=60_000)


@contextmanager
def cameras(info: dict, out: Path, timing: Timing, work: Path) -> Iterator[tuple[Film, dict[str, Path]]]:
    """The board's projector page (and the UIs lab.json names) in headless Chromium; yields the Film and the
    MP4 each camera writes to, written on a clean exit."""
    # pylint: disable-next=import-outside-toplevel
    from tests.harness.browser import chromium

    film = Film(timing)
    outputs = {"board": out}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="pt-BR")
        board = context.new_page()
        board.goto(info["board_url"].rstrip("/") + "/projector", timeout=60_000)
        film.cameras.append(Camera("board", board, Reel(work / "board")))
        uis = info.get("uis") or {}
        for name in ("argocd", "kargo"):
            if name not in uis:
                continue
            page = browser.new_context(
                viewport={"width": 1280, "height": 720}, ignore_https_errors=True
            ).new_page()
            log_into_ui(page, name, uis[name])
            film.cameras.append(Camera(name, page, Reel(work / name)))
            outputs[name] = out.with_name(f"{out.stem}-{name}{out.suffix}")
        if not uis:
            print(
                "[backup-video] only the board is filmed: lab.json names no Argo CD or Kargo UI "
                "(`make lab UIS=1` starts a lab with them)",
                flush=True,
            )
        for camera in film.cameras:
            camera.reel.folder.mkdir(parents=True)
        yield film, outputs
    for camera in film.cameras:
        camera.reel.write(outputs[camera.name])


def film_story(info: dict, out: Path, timing: Timing, error_hold: float = 30.0) -> dict[str, Path]:
    """Play the whole story on the lab `info` describes, filmed; returns the MP4 of each camera."""
    with (
        tempfile.TemporaryDirectory(prefix="backup-video-") as work,
        cameras(info, out, timing, Path(work)) as (film, outputs),
    ):
        Story(info, film, error_hold=error_hold).run()
    return outputs


@contextmanager
def some_lab() -> Iterator[dict]:
    """The running lab's lab.json, or a lab of our own (private state folder) stopped on exit."""
    info = lab_cli.running_info(lab_cli.state_dir())
    if info is not None:
        print(f"[backup-video] using the running lab (board {info['board_url']})", flush=True)
        yield info
        return
    with ExitStack() as stack:
        state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-video-lab-")))
        print(f"[backup-video] no lab runs: starting one (state {state}), stopped at the end", flush=True)
        stack.callback(lab_cli.stop_lab, state)
        if lab_cli.cmd_up(state) != 0:
            raise StoryError("the lab did not start; its log is above")
        info = lab_cli.running_info(state)
        assert info is not None
        yield info


def default_output() -> Path:
    return lab_cli.REPO / "videos" / f"backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.mp4"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.backup_video", description=(__doc__ or "").split("\n", 1)[0]
    )
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("VIDEO_FILE") or default_output()))
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        with some_lab() as info:
            hold_seconds = float(os.environ.get("VIDEO_ERROR_HOLD", "30"))
            outputs = film_story(info, args.out.resolve(), Timing.from_env(), hold_seconds)
    except StoryError as error:
        print(f"[backup-video] failed: {error}", file=sys.stderr)
        return 1
    for name, path in outputs.items():
        facts = probe(path)
        print(
            f"[backup-video] {name}: {path} ({path.stat().st_size / 1e6:.1f} MB, {facts['duration']:.1f} s, "
            f"{facts['frames']:.0f} frames)"
        )
    print(f"[backup-video] done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
