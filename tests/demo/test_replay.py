"""Record and replay: a real kube-apiserver's changes recorded by `python -m dashboard record`, played back.

The recorder runs as the user runs it (a process, stopped with Ctrl-C = SIGINT); the tests play Kargo's and
Argo CD's controllers by writing objects and status through the real API while it records.
"""

from __future__ import annotations

import gzip
import io
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.commands.recording import record_main, replay_main
from dashboard.model import build_board
from dashboard.runtime import Runtime
from dashboard.settings import Settings, SettingsError, from_env
from dashboard.sources.kube import targets_for
from dashboard.sources.recorder import FORMAT, Recorder, RecordingStore
from dashboard.sources.replay import RecordingError, ReplaySource, load_recording
from dashboard.sources.store import ObjectStore
from tests.dashboard.test_kube_source import freight, ready_status, stage, warehouse
from tests.harness.kube import CustomObjects, KubeCluster
from tests.harness.processes import stop, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "demo" / "recordings" / "sample.jsonl.gz"
NOW = "2026-11-22T10:00:00Z"
FAST = 10_000.0  # replay speed: a recording of minutes in well under a second


def application(ns: str, stage_name: str) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"userapp-{stage_name}",
            "namespace": ns,
            "annotations": {"kargo.akuity.io/authorized-stage": f"{ns}:{stage_name}"},
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": "https://github.com/demo/gitops.git",
                "targetRevision": f"env/{stage_name}",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": stage_name},
        },
    }


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def live_objects(kube: KubeCluster, ns: str) -> dict[str, list[dict]]:
    """What the cluster holds now, read straight from the API (the reference for the replayed board)."""
    objects: dict[str, list[dict]] = {}
    for target in targets_for(ns, ns):
        api = CustomObjects(kube, group=target.group, version=target.version)
        items = api.list(ns, target.plural)["items"]
        for item in items:
            item.setdefault("apiVersion", f"{target.group}/{target.version}")
            item.setdefault("kind", target.kind)
        objects[target.kind] = items
    return objects


def replayed(path: Path) -> ObjectStore:
    store = ObjectStore()
    replay = ReplaySource(store, load_recording(path), speed=FAST)
    replay.start()
    assert replay.wait_finished(30)
    replay.stop()
    return store


def play_the_controllers(kube: KubeCluster, ns: str) -> tuple[str, str]:
    """Kargo and Argo CD at work, played through the API: new objects, status, a create and a delete.
    Returns the names Kargo's webhook gave the kept and the deleted Freight."""
    admin = CustomObjects(kube)
    apps = CustomObjects(kube, group="argoproj.io", version="v1alpha1")
    admin.create(ns, "stages", stage(ns, "stg", {"stages": ["dev"]}))
    f_one = admin.create(ns, "freights", freight(ns, "f-one", "a1b2c3d4"))["metadata"]["name"]
    apps.create(ns, "applications", application(ns, "dev"))
    admin.patch_status(ns, "stages", "dev", ready_status(f_one, "a1b2c3d4"))
    admin.patch_status(
        ns,
        "freights",
        f_one,
        {"status": {"currentlyIn": {"dev": {"since": NOW}}, "verifiedIn": {"dev": {"verifiedAt": NOW}}}},
    )
    # Argo CD's Application has no status subresource: its controller patches the object itself.
    healthy = {"status": {"health": {"status": "Healthy"}, "sync": {"status": "Synced"}}}
    apps.patch(ns, "applications", "userapp-dev", healthy)
    f_gone = admin.create(ns, "freights", freight(ns, "f-gone", "deadbeef"))["metadata"]["name"]
    admin.delete(ns, "freights", f_gone)
    return f_one, f_gone


def record_while(kube: KubeCluster, ns: str, out: Path, log: Path) -> tuple[str, str]:
    """`python -m dashboard record` as a person runs it, Ctrl-C (SIGINT) once the last change is in."""
    command = [sys.executable, "-m", "dashboard", "record", "--out", str(out), "--project", ns]
    command += ["--argocd-namespace", ns, "--kubeconfig", str(kube.kubeconfig("dashboard"))]
    with (
        log.open("w") as errors,
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stderr=errors, stdout=subprocess.DEVNULL, cwd=REPO_ROOT
        ) as recorder,
    ):
        try:
            wait_until(lambda: "Ctrl-C stops" in log.read_text(), 60, "dashboard record", recorder, log)
            names = play_the_controllers(kube, ns)
            wait_until(
                lambda: any(r.get("op") == "delete" for r in lines_of(out)[1:]),
                30,
                "the delete",
                recorder,
                log,
            )
            recorder.send_signal(signal.SIGINT)
            assert recorder.wait(timeout=30) == 0, log.read_text()
        finally:
            stop(recorder)
    assert "changes written to" in log.read_text()
    return names


@pytest.mark.kube
def test_record_the_apiserver_then_replay_the_same_board(
    kube: KubeCluster, kube_namespace: str, tmp_path: Path
):
    ns = kube_namespace
    admin = CustomObjects(kube)
    admin.create(ns, "warehouses", warehouse(ns))  # there before recording: part of the t = 0 state
    admin.create(ns, "stages", stage(ns, "dev", {"direct": True}))
    out = tmp_path / "run.jsonl"
    f_one, f_gone = record_while(kube, ns, out, tmp_path / "record.log")

    header, *changes = lines_of(out)
    assert header["format"] == FORMAT and header["project"] == ns
    initial = {(c["kind"], c["object"]["metadata"]["name"]) for c in changes if c["t"] == 0}
    assert initial == {("Warehouse", "userapp"), ("Stage", "dev")}
    later = [(c["kind"], c["op"], c["object"]["metadata"]["name"]) for c in changes if c["t"] > 0]
    assert ("Stage", "upsert", "stg") in later and ("Application", "upsert", "userapp-dev") in later
    assert later[-2:] == [("Freight", "upsert", f_gone), ("Freight", "delete", f_gone)]
    assert [c["t"] for c in changes] == sorted(c["t"] for c in changes)

    now = datetime.now(UTC)
    replayed_board = build_board(replayed(out).snapshot().objects, project=ns, now=now)
    assert replayed_board == build_board(live_objects(kube, ns), project=ns, now=now)
    assert [s.name for s in replayed_board.stages] == ["dev", "stg"]
    assert replayed_board.stage("dev").state.phase == "Ready"
    assert [f.name for f in replayed_board.freight] == [f_one]
    assert replayed_board.stage("dev").applications[0].health_status == "Healthy"


def test_a_relist_is_recorded_as_its_upserts_and_deletes() -> None:
    seconds = iter([100.0, 101.5, 102.0, 103.25])
    out = io.StringIO()
    store = RecordingStore(
        Recorder(out, project="p", argocd_namespace="argocd", seconds=lambda: next(seconds))
    )

    def obj(name: str, version: int) -> dict:
        return {"kind": "Freight", "metadata": {"name": name, "namespace": "p"}, "spec": {"v": version}}

    store.replace("Freight", [obj("a", 1), obj("b", 1)])  # before begin: only the initial state holds it
    store.begin(datetime(2026, 9, 20, tzinfo=UTC))
    store.upsert("Freight", obj("a", 2))
    store.upsert("Freight", obj("a", 2))  # no change, no line
    store.replace("Freight", [obj("a", 2), obj("c", 1)])  # a relist after a reconnect: c new, b gone
    header, *changes = [json.loads(line) for line in out.getvalue().splitlines()]
    assert header["started"] == "2026-09-20T00:00:00+00:00"
    assert [(c["t"], c["op"], c["object"]["metadata"]["name"]) for c in changes] == [
        (0.0, "upsert", "a"),
        (0.0, "upsert", "b"),
        (1.5, "upsert", "a"),
        (2.0, "upsert", "c"),
        (3.25, "delete", "b"),
    ]


def test_the_replay_keeps_the_order_and_the_board_clock_follows_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    started = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
    seconds = iter([0.0, 30.0, 60.0, 90.0])
    with path.open("w") as out:
        store = RecordingStore(
            Recorder(out, project="p", argocd_namespace="a", seconds=lambda: next(seconds))
        )
        store.begin(started)
        for name in ("one", "two"):
            store.upsert("Stage", {"kind": "Stage", "metadata": {"name": name, "namespace": "p"}})
        store.delete("Stage", {"kind": "Stage", "metadata": {"name": "one", "namespace": "p"}})
    recording = load_recording(path)
    assert recording.duration == 90.0 and recording.started == started

    target = ObjectStore()
    replay = ReplaySource(target, recording, speed=FAST)
    assert replay.clock() == started  # before it starts
    replay.start()
    assert replay.wait_finished(10) and replay.finished
    assert [s["metadata"]["name"] for s in target.snapshot().of("Stage")] == ["two"]
    assert target.version == 3  # one, two, delete one: each change applied once, in order
    # The clock reads recording time: past the last change, nowhere near today's date.
    assert started + timedelta(seconds=90) <= replay.clock() < started + timedelta(days=1)
    replay.stop()


def test_the_sample_recording_is_the_labs_real_controllers_promoting_a_new_build_to_prod() -> None:
    """demo/recordings/sample.jsonl.gz: `make record` on `make lab` while `make lab-push` published a build,
    Kargo promoted dev and QA and the PO promoted stg and prod on the board."""
    recording = load_recording(SAMPLE)
    assert recording.project == "userapp" and len(recording.changes) > 50
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
    assert "real Kargo v1.11.2" in header["source"] and "KWOK" in header["source"]
    at_start = {c.obj["metadata"]["name"] for c in recording.changes if c.offset == 0 and c.kind == "Freight"}
    board = build_board(
        replayed(SAMPLE).snapshot().objects,
        project="userapp",
        now=recording.started + timedelta(seconds=recording.duration),
    )
    pushed = [f for f in board.freight if f.name not in at_start]
    assert len(pushed) == 1, "one build was pushed while recording"
    build = pushed[0]
    assert {image.tag for image in build.images} == {build.images[0].tag} and len(build.images) == 2
    assert build.verified_in == ("dev", "stg", "prod")
    for name in ("dev", "stg", "prod"):
        stage = board.stage(name)
        assert stage.current_freight[0].name == build.name
        assert (stage.state.phase, stage.health.status) == ("Ready", "Healthy")
        last, verification = stage.last_promotion, stage.verification
        assert last is not None and verification is not None, stage
        assert last.phase == "Succeeded" and verification.phase == "Successful"
        assert [(a.sync_status, a.health_status) for a in stage.applications] == [("Synced", "Healthy")]
    # dev by Kargo's auto-promotion; stg and prod by the board's Kubernetes identity (the lab's "user-a").
    last = {name: board.stage(name).last_promotion for name in ("dev", "stg", "prod")}
    assert all(promotion is not None for promotion in last.values()), last
    assert {name: promotion.actor for name, promotion in last.items() if promotion} == {
        "dev": None,
        "stg": "user-a",
        "prod": "user-a",
    }


def test_the_runtime_serves_a_replay_on_the_recordings_clock() -> None:
    runtime = Runtime(
        Settings(source="replay", replay_path=str(SAMPLE), replay_speed=FAST, refresh_seconds=3600)
    )
    runtime.start()
    try:
        assert runtime.replay is not None and runtime.replay.wait_finished(30)
        recording = runtime.replay.recording
        end = recording.started + timedelta(seconds=recording.duration)
        assert end <= runtime.clock() < end + timedelta(days=1)
        board = runtime.publisher.publish_now().board
        assert [s.name for s in board.stages] == ["dev", "stg", "prod"]
        assert board.generated_at >= end
    finally:
        runtime.stop()


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


HEADER = json.dumps({"format": FORMAT, "version": 1, "started": "2026-09-20T09:00:00+00:00", "project": "p"})
GOOD = json.dumps({"t": 1, "kind": "Stage", "op": "upsert", "object": {"metadata": {"name": "dev"}}})


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((), ":1: empty, expected the recording header"),
        (("{not json",), ":1: not JSON (Expecting property name"),
        (('{"format": "something-else"}',), ':1: not a recording: expected a header with "format"'),
        ((HEADER.replace('"version": 1', '"version": 9'),), ":1: recording version 9; this board reads 1"),
        ((HEADER.replace("+00:00", ""),), ':1: "started" needs a time zone'),
        ((HEADER, GOOD, '{"t": 2, "kind": "Stage", "op": "ups'), ":3: not JSON (Unterminated string"),
        ((HEADER, GOOD.replace('"Stage"', '"Pod"')), ':2: "kind" must be one of Stage, Freight'),
        ((HEADER, GOOD.replace("upsert", "patch")), ":2: \"op\" must be upsert or delete, got 'patch'"),
        ((HEADER, GOOD.replace('"t": 1', '"t": -1')), ':2: "t" must be a number of seconds >= 0, got -1'),
        ((HEADER, GOOD, GOOD.replace('"t": 1', '"t": 0.5')), ":3: time goes backwards (0.5 after 1.0)"),
        ((HEADER, GOOD.replace('"name": "dev"', '"uid": "x"')), ':2: "object" must be a Kubernetes object'),
        ((HEADER, "[1, 2]"), ":2: expected an object with t, kind, op and object"),
    ],
)
def test_a_bad_recording_names_the_line(tmp_path: Path, lines: tuple[str, ...], expected: str) -> None:
    path = write(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(RecordingError) as error:
        load_recording(path)
    assert str(error.value).startswith(f"{path}:") and expected in str(error.value)


def test_missing_and_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"nowhere\.jsonl: no such file"):
        load_recording(tmp_path / "nowhere.jsonl")
    (tmp_path / "broken.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RecordingError, match=r"broken\.jsonl\.gz: cannot read"):
        load_recording(tmp_path / "broken.jsonl.gz")


def test_the_replay_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DASHBOARD_SOURCE=replay needs DASHBOARD_REPLAY"):
        from_env({"DASHBOARD_SOURCE": "replay"})
    with pytest.raises(SettingsError, match=r"DASHBOARD_REPLAY='.*nowhere.jsonl': no such file"):
        from_env({"DASHBOARD_SOURCE": "replay", "DASHBOARD_REPLAY": str(tmp_path / "nowhere.jsonl")})
    sample = {"DASHBOARD_SOURCE": "replay", "DASHBOARD_REPLAY": str(SAMPLE)}
    with pytest.raises(SettingsError, match="DASHBOARD_REPLAY_SPEED='fast': expected a number"):
        from_env({**sample, "DASHBOARD_REPLAY_SPEED": "fast"})
    with pytest.raises(SettingsError, match="DASHBOARD_REPLAY_SPEED=0.0: must be > 0"):
        from_env({**sample, "DASHBOARD_REPLAY_SPEED": "0"})
    settings = from_env({**sample, "DASHBOARD_REPLAY_SPEED": "2.5"})
    assert (settings.source, settings.replay_path, settings.replay_speed) == ("replay", str(SAMPLE), 2.5)


def test_the_commands_refuse_bad_input(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.jsonl", HEADER, "{oops")
    err = io.StringIO()
    assert replay_main([str(bad)], err=err) == 2
    assert f"dashboard replay: {bad}:2: not JSON" in err.getvalue()
    err = io.StringIO()
    assert replay_main([str(SAMPLE), "--speed", "-1"], err=err) == 2 and "must be > 0" in err.getvalue()
    existing = write(tmp_path / "taken.jsonl", HEADER)
    err = io.StringIO()
    assert record_main(["--out", str(existing)], err=err) == 2
    assert "exists; choose another name" in err.getvalue()
    err = io.StringIO()
    missing = tmp_path / "no-kubeconfig"
    assert record_main(["--out", str(tmp_path / "new.jsonl"), "--kubeconfig", str(missing)], err=err) == 2
    assert "cannot load the Kubernetes configuration" in err.getvalue()
    assert not (tmp_path / "new.jsonl").exists()
