"""Simulator fidelity against a recording of real Kargo v1.11.2 (no Kargo needed to run it).

tests/lab/recordings/kargo-v1.11.2-pipeline.jsonl.gz is the project's own `record` of the lab's end-to-end
run (tests/lab/test_kargo_pipeline.py, with KARGO_LAB_RECORDING=<file>): new Freight, dev auto-promoted and
verified, stg promoted through the board. That test also checks its own live recording the same way.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.sources.replay import load_recording
from tests.lab.fidelity import KARGO_KINDS, paths_by_kind, simulator_paths, unexplained

RECORDING = Path(__file__).parent / "recordings" / "kargo-v1.11.2-pipeline.jsonl.gz"


def recorded_paths() -> dict[str, set[str]]:
    recording = load_recording(RECORDING)
    return paths_by_kind((change.kind, change.obj) for change in recording.changes)


def test_every_field_kargo_wrote_is_one_the_simulator_writes():
    gaps = unexplained(recorded_paths(), simulator_paths())
    assert not gaps, gaps


def test_the_recording_is_a_real_kargo_run_and_the_check_bites():
    kargo = recorded_paths()
    assert all(kargo[kind] for kind in KARGO_KINDS)
    # Only Kargo's controller writes these: the recording holds a promotion that Kargo ran step by step.
    assert "status.stepExecutionMetadata[].status" in kargo["Promotion"]
    assert "status.freightHistory[].verificationHistory[].phase" in kargo["Stage"]
    # A field the simulator never writes is reported.
    kargo["Stage"].add("status.somethingNew")
    assert unexplained(kargo, simulator_paths()) == {"Stage": ["status.somethingNew"]}
