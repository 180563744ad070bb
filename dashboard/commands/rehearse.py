"""`python -m dashboard rehearse`: the talk's story on the embedded simulator, one step per Enter key.

The board runs in this process (the same Runtime and Flask app as `serve`, under a small threaded server),
so the steps drive the very simulator the browser shows, through its public methods only. No cluster, no
CI: the talk can be practised on a laptop. The terminal text is in Portuguese, the talk's language.

    1 CI pushes an image -> new Freight, dev promotes it by itself
    2 QA promotes it to stg            3 the PO promotes it to prod
    4 CI pushes the error build -> caught in dev (never ready, never verified, never available to stg)
    5 CI pushes the fix -> it goes through dev and can be promoted on
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from dashboard.sources.recorder import Recorder, RecordingStore
from dashboard.sources.simulation.engine import DEFAULT_START
from dashboard.sources.simulator import Simulator, SimulatorError

QA = "email:qa@example.com"
PO = "email:po@example.com"
# The commit subjects of demo/scenarios/, so the rehearsal shows what the live demo will show.
FEATURE_MESSAGE = "feat(backend): GET /api/welcome greets with the environment and version"
ERROR_MESSAGE = "feat(backend): require TLS to the database outside development and test"
FIX_MESSAGE = "fix(backend): DB_SSLMODE configures TLS to the database (default prefer)"


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[], str]  # does the step; returns what to show on the board now


class Story:
    """The talk's five moves on one simulator. Refused moves raise SimulatorError (e.g. not verified yet)."""

    def __init__(self, simulator: Simulator, rng: random.Random | None = None) -> None:
        self._simulator = simulator
        self._rng = rng or random.Random()  # noqa: S311 - image tags for a demo, not security
        self.feature: dict | None = None
        self.error: dict | None = None
        self.fix: dict | None = None
        self.steps = (
            Step("O CI publica uma imagem nova", self.ci_pushes_the_feature),
            Step("QA aprova: promove para stg", self.qa_promotes_to_stg),
            Step("O PO aprova: promove para prod", self.po_promotes_to_prod),
            Step("O CI publica o build com erro", self.ci_pushes_the_error),
            Step("O CI publica a correção", self.ci_pushes_the_fix),
        )

    def ci_pushes_the_feature(self) -> str:
        self.feature = self._push(FEATURE_MESSAGE)
        return (
            f"Freight {describe(self.feature)} criado pelo Warehouse. dev promove sozinho: mostre os "
            "passos da promoção, o Argo CD sincronizando e a verificação (uns 20 s). stg e prod não mudam."
        )

    def qa_promotes_to_stg(self) -> str:
        feature = self._require(self.feature)
        self._simulator.promote("stg", feature["metadata"]["name"], actor=QA)
        return (
            f"QA promoveu {feature['alias']} para stg (qa@example.com fica registrado como quem aprovou). "
            "Mostre a promoção e a verificação em stg (uns 20 s); prod continua na versão anterior."
        )

    def po_promotes_to_prod(self) -> str:
        feature = self._require(self.feature)
        self._simulator.promote("prod", feature["metadata"]["name"], actor=PO)
        return (
            f"O PO promoveu {feature['alias']} para prod. Mostre os três ambientes na mesma versão e, na "
            "linha do tempo, quem aprovou cada passo."
        )

    def ci_pushes_the_error(self) -> str:
        self.error = self._push(ERROR_MESSAGE, broken=True)
        return (
            f"Freight {describe(self.error)}: passou no CI, mas o pod nunca fica pronto. dev promove "
            "sozinho, o Argo CD sincroniza e fica Progressing; em uns 20 s fica Degraded e dev fica "
            "Unhealthy, sem verificação. O Freight nunca fica disponível para stg: stg e prod continuam "
            "seguros."
        )

    def ci_pushes_the_fix(self) -> str:
        self.fix = self._push(FIX_MESSAGE)
        return (
            f"Freight {describe(self.fix)}: a correção entra em dev, o pod fica pronto e a verificação "
            "passa. Depois dela, o Freight fica disponível para stg (e dali para prod); o build com erro "
            "fica para trás."
        )

    def _push(self, message: str, broken: bool = False) -> dict:
        """CI builds both images of a commit, tagged with its short SHA, as .github/workflows/ci.yml does."""
        tag = f"{self._rng.getrandbits(32):08x}"
        return self._simulator.new_freight(tag, tag, broken=broken, message=message)

    @staticmethod
    def _require(freight: dict | None) -> dict:
        if freight is None:
            raise RuntimeError("the story's steps run in order")
        return freight


def describe(freight: dict) -> str:
    tags = sorted({image["tag"] for image in freight.get("images", [])})
    return f"{freight['alias']} ({'tag' if len(tags) == 1 else 'tags'} {', '.join(tags)})"


def rehearse(story: Story, lines: Iterable[str], out: TextIO) -> int:
    """Run one step per input line (Enter) until `q`, the end of the input or after the last step.

    A step the simulator refuses (QA promoting before dev's verification finished) is not counted: the
    message says why, and the next Enter tries again. Returns how many steps ran.
    """
    steps = story.steps
    done = 0
    say(out, f"Ensaio: {len(steps)} passos. Enter = próximo passo, q = sair.")
    say(out, f"Próximo: [1/{len(steps)}] {steps[0].title}")
    for line in lines:
        if line.strip().lower() in ("q", "quit", "sair"):
            break
        if done == len(steps):
            break
        step = steps[done]
        try:
            shown = step.run()
        except SimulatorError as error:
            say(out, f"Ainda não: {error}. Espere um pouco e aperte Enter de novo.")
            continue
        done += 1
        say(out, f"[{done}/{len(steps)}] {step.title}\n    {shown}")
        if done < len(steps):
            say(out, f"Próximo: [{done + 1}/{len(steps)}] {steps[done].title}")
        else:
            say(out, "Fim da história. Enter ou q para sair.")
    return done


def say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


def record_story(
    out: TextIO,
    *,
    project: str = "userapp",
    seed: int = 0,
    pause: timedelta = timedelta(seconds=10),
    settle: timedelta = timedelta(seconds=40),
) -> Recorder:
    """Play the whole story in simulated time (no board, no waiting) and write it as a recording.

    Before each step the speaker talks for `pause`; after it the controllers get `settle`, enough for a
    promotion and its verification, and for the error build's rollout to pass its deadline.
    """
    now = DEFAULT_START + timedelta(hours=6)
    simulator: Simulator | None = None

    def simulated_seconds() -> float:
        assert simulator is not None
        return simulator.now.timestamp()

    recorder = Recorder(out, project=project, argocd_namespace="argocd", seconds=simulated_seconds)
    store = RecordingStore(recorder)
    simulator = Simulator(store, project=project, seed=seed, start=DEFAULT_START)
    simulator.bootstrap(now)
    store.begin(simulator.now)
    for step in Story(simulator, random.Random(seed)).steps:  # noqa: S311 - reproducible demo data
        play(simulator, pause)
        step.run()
        play(simulator, settle)
    return recorder


def play(simulator: Simulator, duration: timedelta, tick: timedelta = timedelta(seconds=1)) -> None:
    """Advance tick by tick, as the server's simulator thread does, so every intermediate state shows."""
    end = simulator.now + duration
    while simulator.now < end:
        simulator.advance(min(end, simulator.now + tick))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard rehearse",
        description="Serve the board on the embedded simulator and play the talk's story, one step per "
        "Enter key.",
    )
    parser.add_argument(
        "--host", default=os.environ.get("DASHBOARD_HOST", "127.0.0.1"), help="default 127.0.0.1"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")), help="default 8080")
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="instead: play the whole story in simulated time, without a board, and write it as a recording "
        "for `python -m dashboard replay`",
    )
    return parser


def main(argv: list[str] | None = None, lines: Iterable[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    if args.record:
        write_story(Path(args.record), out)
        return 0
    if not 0 < args.port < 65536:
        print(f"dashboard rehearse: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    return serve_story(args.host, args.port, sys.stdin if lines is None else lines, out)


def write_story(path: Path, out: TextIO) -> None:
    buffer = io.StringIO()
    recorder = record_story(buffer)
    data = buffer.getvalue().encode()
    # Compressed reproducibly: no file name or time in the gzip header.
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    say(out, f"{path}: {recorder.changes} changes")


def serve_story(host: str, port: int, lines: Iterable[str], out: TextIO) -> int:
    """The board on the simulator in a background thread; the story in this one, reading `lines`."""
    # Imported here: the web stack is only needed when a board is served.
    # pylint: disable=import-outside-toplevel
    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from dashboard.runtime import Runtime
    from dashboard.settings import SettingsError, from_env

    try:
        # The story decides when builds appear: no freight timer.
        settings = from_env().with_overrides(source="simulator", simulator_freight_interval=0.0)
    except SettingsError as error:
        print(f"dashboard rehearse: {error}", file=sys.stderr)
        return 2
    runtime = Runtime(settings)
    app = create_app(settings, runtime=runtime)
    assert runtime.simulator is not None  # started by create_app on the simulator source
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="rehearsal-server", daemon=True).start()
    base = f"http://{host}:{server.server_port}"
    say(out, f"Quadro: {base}/   projetor: {base}/projector   público: {base}/watch")
    try:
        rehearse(Story(runtime.simulator), lines, out)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        runtime.stop()
    return 0
