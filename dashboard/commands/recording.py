"""`python -m dashboard record` and `python -m dashboard replay`: the backup for a failing demo.

    python -m dashboard record --out run.jsonl      # during a dry run against the real cluster; Ctrl-C stops
    python -m dashboard replay run.jsonl --speed 2  # later, anywhere: the board as it was, no cluster

`record` watches the cluster with the board's own KubeSource and writes every object change as it happens
(see dashboard.sources.recorder). `replay` checks the file, then serves the board on the replay source
(DASHBOARD_SOURCE=replay), taking the project from the recording unless KARGO_PROJECT says otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from dashboard.sources.recorder import Recorder, RecordingStore
from dashboard.sources.replay import RecordingError, load_recording

EXIT_BAD_INPUT = 2
SYNC_TIMEOUT_SECONDS = 30.0


def record_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m dashboard record",
        description="Record every change of the cluster's Kargo and Argo CD objects to a JSON-lines file "
        "until Ctrl-C, for `python -m dashboard replay`.",
    )
    parser.add_argument("--out", required=True, help="the recording to write (must not exist yet)")
    parser.add_argument("--kubeconfig", default=env.get("KUBECONFIG") or None, help="default: $KUBECONFIG")
    parser.add_argument(
        "--context", default=env.get("DASHBOARD_KUBE_CONTEXT") or None, help="kubeconfig context"
    )
    parser.add_argument(
        "--project", default=env.get("KARGO_PROJECT") or "userapp", help="Kargo project (default userapp)"
    )
    parser.add_argument(
        "--argocd-namespace",
        default=env.get("ARGOCD_NAMESPACE") or "argocd",
        help="where the Argo CD Applications live (default argocd)",
    )
    return parser


def record_main(
    argv: Sequence[str] | None = None, *, stop: threading.Event | None = None, err: TextIO = sys.stderr
) -> int:
    """Record until Ctrl-C or SIGTERM (or until `stop` is set, for callers in code)."""
    args = record_parser().parse_args(argv)
    stop = stop or threading.Event()
    previous = _stop_on_signals(stop)
    try:
        return _record(args, stop, err)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _record(args: argparse.Namespace, stop: threading.Event, err: TextIO) -> int:
    # Imported here: `replay` must not load the Kubernetes client (and ssl) before gunicorn's gevent patch.
    # pylint: disable=import-outside-toplevel
    from kubernetes.config import ConfigException

    from dashboard.sources.kube import KubeSource, load_api_client, targets_for

    out = Path(args.out)
    if out.exists():
        print(
            f"dashboard record: {out} exists; choose another name (recordings are never appended to)",
            file=err,
        )
        return EXIT_BAD_INPUT
    try:
        api = load_api_client(args.kubeconfig, args.context)
    except (ConfigException, OSError) as error:
        print(f"dashboard record: cannot load the Kubernetes configuration: {error}", file=err)
        return EXIT_BAD_INPUT
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("x", encoding="utf-8") as handle:
        recorder = Recorder(handle, project=args.project, argocd_namespace=args.argocd_namespace)
        store = RecordingStore(recorder)
        source = KubeSource(store, api, targets_for(args.project, args.argocd_namespace))
        source.start()
        try:
            if not source.wait_synced(timeout=SYNC_TIMEOUT_SECONDS):
                print(
                    f"dashboard record: could not list the objects within {SYNC_TIMEOUT_SECONDS:.0f} s: "
                    f"{source.status().last_error or 'no answer'}",
                    file=err,
                )
                return 1
            store.begin(datetime.now(UTC))
            print(
                f"dashboard record: recording project {args.project} "
                f"(Applications in {args.argocd_namespace}) to {out}; Ctrl-C stops",
                file=err,
                flush=True,
            )
            _wait(stop)
        finally:
            source.stop()
    print(f"dashboard record: {recorder.changes} changes written to {out}", file=err)
    return 0


def _stop_on_signals(stop: threading.Event) -> dict:
    """SIGINT (Ctrl-C) and SIGTERM (make, systemd, a test) set `stop`: the recording is closed properly
    whenever the signal comes (before, a Ctrl-C between the banner and the wait, or any SIGTERM, left it
    open and the process did not end cleanly)."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may install handlers; callers in code use `stop`
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, lambda _signum, _frame: stop.set())
    return previous


def _wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):  # short waits: a signal is noticed at once
        pass


def replay_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard replay",
        description="Serve the board from a recording, at the recorded pace times --speed. Other options "
        "(--host, --port, ...) are `serve`'s. The replay stops at the end; the board keeps the last state.",
    )
    parser.add_argument("recording", nargs="?", default=os.environ.get("DASHBOARD_REPLAY"), help="the file")
    parser.add_argument(
        "--speed",
        type=float,
        default=os.environ.get("DASHBOARD_REPLAY_SPEED") or "1.0",
        help="1 = as recorded (default), 10 = ten times faster",
    )
    return parser


def replay_main(argv: Sequence[str] | None = None, *, err: TextIO = sys.stderr) -> int:
    args, serve_args = replay_parser().parse_known_args(argv)
    if not args.recording:
        print("dashboard replay: which recording? (a file from `python -m dashboard record`)", file=err)
        return EXIT_BAD_INPUT
    if not args.speed > 0:
        print(f"dashboard replay: --speed {args.speed} must be > 0", file=err)
        return EXIT_BAD_INPUT
    try:
        recording = load_recording(args.recording)
    except RecordingError as error:
        print(f"dashboard replay: {error}", file=err)
        return EXIT_BAD_INPUT
    os.environ.update(
        {
            "DASHBOARD_SOURCE": "replay",
            "DASHBOARD_REPLAY": str(args.recording),
            "DASHBOARD_REPLAY_SPEED": repr(args.speed),
        }
    )
    os.environ.setdefault("KARGO_PROJECT", recording.project)
    if recording.argocd_namespace:
        os.environ.setdefault("ARGOCD_NAMESPACE", recording.argocd_namespace)
    print(
        f"dashboard replay: {args.recording}: {len(recording.changes)} changes over "
        f"{recording.duration:.0f} s from {recording.started.isoformat()}, at {args.speed:g}x",
        file=err,
        flush=True,
    )
    server = importlib.import_module("dashboard.commands.serve")  # the web stack only when serving
    return server.main(serve_args)
