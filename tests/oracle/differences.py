"""Every deliberate difference between the board model and Kargo's own code, with its reason.

The oracle tests (test_*.py in this folder) compare the model with Kargo on generated objects and tolerate
exactly these, nothing else. Each entry names where the difference shows and why the board keeps it.
"""

from __future__ import annotations

DIFFERENCES: dict[str, str] = {
    # Kargo: Freight.GetLongestSoak reads currentlyIn[stage].since.Time through a nil pointer (a panic in the
    # controller) when a verified Freight's currentlyIn record has no `since` and a soak time is required.
    # Kargo itself always writes `since`; the CRD does not require it. The board counts no running soak then
    # (the completed soak still counts), rather than failing.
    "currently-in-without-since": "a currentlyIn record without `since` counts as no running soak "
    "(Kargo: nil dereference in GetLongestSoak)",
    # Kargo's UI: getStagePhase(stage, isControllerDead) returns Failed when the controller's heartbeat is
    # missing. The heartbeat is not an object the board reads (it is the UI server's own endpoint), so the
    # board computes the phase as for a live controller.
    "controller-heartbeat": "the stage phase ignores the UI's isControllerDead argument (not observable from "
    "the objects)",
    # Kargo: IsFreightAvailable answers true for a control-flow Stage (no promotion steps) like for any
    # other, and the board shows that Freight as available there (`availableFreight`). But Kargo's Promotion
    # webhook refuses every Promotion to such a Stage ("Stage ... defines no promotion steps",
    # pkg/webhook/kubernetes/promotion/webhook.go), so the board never offers it as *promotable* there.
    "control-flow-not-promotable": "control-flow Stages list available Freight but never promotable Freight "
    "(Kargo's Promotion webhook refuses Promotions to them)",
    # Kargo's development line has Freight rejection under review (`status.rejected`: actor, time, reason);
    # Kargo v1.11.2 does not know the field (its CRD prunes it). A Freight that carries it was rejected by a
    # newer Kargo, which never offers it again: the board shows the rejection and never offers it either,
    # where v1.11.2's IsFreightAvailable would still say available.
    "rejected-freight": "a Freight with status.rejected is never available or promotable (Kargo v1.11.2 "
    "ignores the field)",
}
