"""The lab's UIs (`make lab UIS=1`, tests/harness/lab_uis.py): Argo CD's API server and Kargo's API server,
each with its real UI built by scripts/build-lab-uis.sh, next to the real lab with the project's pipeline.

Each serves its real UI (not build-lab.sh's placeholder page), its admin login works through its API, and in
headless Chromium, after logging in through the UI's own login page, Argo CD shows the lab's userapp
Applications and Kargo the project's Stages.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.harness.lab import PROJECT, STAGES, KargoLab
from tests.harness.lab_uis import LabUIs, get_json, lab_uis, post_json
from tests.lab.pipeline import REAL_LAB_MARKS, real_lab

pytestmark = [*REAL_LAB_MARKS, pytest.mark.browser]

APPLICATIONS = {f"userapp-{stage}" for stage in STAGES}
PLACEHOLDER = "the UI is not built in this lab"  # scripts/build-lab.sh's page


@pytest.fixture(scope="module")
def lab() -> Iterator[KargoLab]:
    with real_lab() as started:
        yield started


@pytest.fixture(scope="module")
def uis(lab: KargoLab) -> Iterator[LabUIs]:
    with lab_uis(lab.cluster, lab.argocd, lab.cluster.workdir) as started:
        yield started


def page_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the lab's loopback servers
        assert response.status == 200
        return response.read().decode("utf-8", "replace")


def test_each_ui_serves_its_real_index(uis: LabUIs) -> None:
    argocd = page_of(uis.urls["argocd"] + "/")
    assert "<title>Argo CD</title>" in argocd and PLACEHOLDER not in argocd
    assert 'src="main.' in argocd, argocd[:2000]  # webpack's bundle of the real UI
    kargo = page_of(uis.urls["kargo"] + "/")
    assert "<title>Kargo</title>" in kargo, kargo[:2000]
    # Vite's bundle; the server filled in the base path placeholder of the built index.html.
    assert "./assets/index-" in kargo and "__BASE_HREF__" not in kargo, kargo[:2000]


def test_admin_logins_work_through_each_api(uis: LabUIs) -> None:
    argocd = uis.urls["argocd"]
    session = post_json(
        f"{argocd}/api/v1/session", {"username": "admin", "password": uis.passwords["argocd"]}
    )
    apps = get_json(f"{argocd}/api/v1/applications", session["token"])
    assert {app["metadata"]["name"] for app in apps["items"]} >= APPLICATIONS, apps
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_json(f"{argocd}/api/v1/session", {"username": "admin", "password": "wrong-password"})
    assert refused.value.code == 401

    kargo = uis.urls["kargo"]
    # Kargo's UI logs the admin account in with the password as bearer token (features/auth/admin-login.tsx).
    login = post_json(f"{kargo}/v1beta1/login", {}, token=uis.passwords["kargo"])
    stages = get_json(f"{kargo}/v1beta1/projects/{PROJECT}/stages", login["idToken"])
    assert set(STAGES) <= {stage["metadata"]["name"] for stage in stages["items"]}, stages
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_json(f"{kargo}/v1beta1/login", {}, token="wrong-password")
    assert refused.value.code == 403  # Kargo answers a wrong admin password with PermissionDenied


def test_argocd_ui_shows_the_userapp_applications_after_login(uis: LabUIs, browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.goto(uis.urls["argocd"] + "/login", wait_until="domcontentloaded")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill(uis.passwords["argocd"])
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/applications**", timeout=30_000)
        for name in sorted(APPLICATIONS):
            expect(page.get_by_text(name, exact=True).first).to_be_visible(timeout=30_000)
    finally:
        page.close()


def test_kargo_ui_shows_the_projects_stages_after_login(uis: LabUIs, browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.goto(uis.urls["kargo"] + "/login", wait_until="domcontentloaded")
        page.locator("input[type=password]").fill(uis.passwords["kargo"])
        page.get_by_role("button", name="Login").click()
        page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
        page.goto(f"{uis.urls['kargo']}/project/{PROJECT}", wait_until="domcontentloaded")
        for stage in STAGES:
            expect(page.get_by_text(stage, exact=True).first).to_be_visible(timeout=30_000)
    finally:
        page.close()
