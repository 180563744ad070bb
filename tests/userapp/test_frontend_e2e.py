"""The front end, end to end: the production build served by the real nginx, started as the image starts it
(its entrypoint renders the repository's default.conf.template under the chart's read-only root: see
frontend_image.py), so the shipped /api proxy is what is tested; the real backend on a real PostgreSQL, driven
in Debian's headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.delivery.helpers import helm_template, install_tool, one
from tests.harness.browser import chromium
from tests.harness.processes import HarnessError, free_port, stop, tail, wait_until
from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET
from tests.userapp.frontend_image import FrontendContainer, frontend_container
from tests.userapp.frontend_image import start as start_container

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "userapp" / "frontend"
CLI = Path(sys.executable).parent / "user-service"
COMMIT = "0123abcd4567ef890123abcd4567ef890123abcd"
NEW_PASSWORD = "senha-boa-123"  # noqa: S105 - a throwaway test database


def build_frontend() -> Path:
    """`make frontend-build`: npm ci and vite build, each only when its inputs changed."""
    done = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-C", str(REPO), "frontend-build"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise HarnessError(f"make frontend-build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return FRONTEND / "dist"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Stack:
    """nginx (port `port`) in front of the user service (port `backend_port`), both restartable."""

    workdir: Path
    database_url: str
    dist: Path
    port: int = field(default_factory=free_port)
    backend_port: int = field(default_factory=free_port)
    backend: subprocess.Popen | None = None
    nginx: subprocess.Popen | None = None
    container: FrontendContainer | None = None

    def __post_init__(self) -> None:
        while self.backend_port == self.port:  # two free ports, not the same one twice
            self.backend_port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_backend(self) -> None:
        env = {
            **os.environ,
            "APP_ENV": "dev",
            "DATABASE_URL": self.database_url,
            "JWT_SECRET": JWT_SECRET,
            "FIRST_ADMIN_EMAIL": ADMIN_EMAIL,
            "FIRST_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "GIT_COMMIT": COMMIT,
            "IMAGE_TAG": COMMIT[:8],
            "APP_VERSION": "0.1.0",
        }
        log = self.workdir / "backend.log"
        with log.open("ab") as out:
            # A server that outlives this method: stop_backend() ends it.
            self.backend = subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with
                [str(CLI), "serve", "--migrate", "--port", str(self.backend_port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        ready = f"http://127.0.0.1:{self.backend_port}/readyz"
        wait_until(lambda: _status(ready) == 200, 60, "user-service", self.backend, log)

    def start_nginx(self) -> None:
        """The front end's image as the chart runs it (its entrypoint, read-only root, /tmp emptyDir)."""
        if self.container is None:
            deployment = one(helm_template(install_tool("helm"), "frontend"), "Deployment")
            env = {"NGINX_PORT": str(self.port), "BACKEND_UPSTREAM": f"127.0.0.1:{self.backend_port}"}
            self.container = frontend_container(self.workdir / "image", self.dist, deployment, env)
        log = self.workdir / "nginx.log"
        self.nginx = start_container(self.container, log)
        wait_until(lambda: _status(f"{self.url}/healthz") == 200, 30, "nginx", self.nginx, log)

    def stop_backend(self) -> None:
        stop(self.backend)

    def stop_nginx(self) -> None:
        stop(self.nginx)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{tail(self.workdir / name, 40)}" for name in ("backend.log", "nginx.log")
        )


@pytest.fixture(scope="module")
def dist() -> Path:
    return build_frontend()


@pytest.fixture
def stack(postgres_url: str, dist: Path) -> Iterator[Stack]:
    # Not pytest's tmp_path: a short path of our own, removed at the end with the image's files.
    workdir = Path(tempfile.mkdtemp(prefix="frontend-e2e-"))
    workdir.chmod(0o755)
    running = Stack(workdir=workdir, database_url=postgres_url, dist=dist)
    try:
        running.start_backend()
        running.start_nginx()
        yield running
    finally:
        running.stop_nginx()
        running.stop_backend()
        print(running.logs())  # noqa: T201 - pytest shows it only when the test fails
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="pt-BR")
    problems: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert not problems, problems


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/users")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Senha").fill(ADMIN_PASSWORD)
    page.get_by_label("Senha").press("Enter")
    expect(page.get_by_role("heading", name="Usuários", level=1)).to_be_visible()


def api_get(stack: Stack, path: str, token: str | None = None) -> dict:
    """The API through nginx, as the browser reaches it."""
    request = urllib.request.Request(f"{stack.url}{path}")  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a local test server
        return json.loads(response.read())


def sign_in_after_a_wrong_password(page: Page, stack: Stack) -> None:
    # The header names the environment and the backend's build, before anyone signs in.
    page.goto(f"{stack.url}/users")
    expect(page.get_by_test_id("environment")).to_have_text("dev")
    expect(page.get_by_test_id("commit")).to_have_text(COMMIT[:8])
    assert page.evaluate("document.documentElement.lang") == "pt-BR"

    # A wrong password is explained, and the email typed stays.
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Senha").fill("not-the-password")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_have_text("E-mail ou senha incorretos.")
    expect(page.get_by_label("E-mail")).to_have_value(ADMIN_EMAIL)

    # Signing in with the keyboard only.
    page.get_by_label("Senha").fill(ADMIN_PASSWORD)
    page.get_by_label("Senha").press("Enter")
    expect(page.get_by_role("heading", name="Usuários", level=1)).to_be_visible()
    expect(page.get_by_text("1 usuário(s) encontrado(s)")).to_be_visible()


def create_through_a_422_and_a_409(page: Page) -> None:
    # The API's 422 appears next to the password field; what was typed stays.
    page.get_by_role("link", name="Novo usuário").click()
    expect(page.get_by_role("heading", name="Novo usuário")).to_be_visible()
    page.get_by_label("Nome").fill("Ana Souza")
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Senha").fill("curta")
    page.get_by_role("button", name="Criar usuário").click()
    password = page.get_by_label("Senha")
    expect(page.locator("#user-create-password-error")).to_have_text("Deve ter pelo menos 8 caracteres.")
    expect(password).to_have_attribute("aria-invalid", "true")
    described_by = "user-create-password-error user-create-password-hint"
    expect(password).to_have_attribute("aria-describedby", described_by)
    expect(password).to_be_focused()
    expect(page.get_by_label("Nome")).to_have_value("Ana Souza")
    expect(page.get_by_label("E-mail")).to_have_value("ana@example.com")

    password.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Criar usuário").click()
    expect(page.get_by_role("status").filter(has_text="Usuário ana@example.com criado.")).to_be_visible()
    expect(page.get_by_role("cell", name="Ana Souza", exact=True)).to_be_visible()

    # The same email again (in capitals): the 409 is explained next to the email field.
    page.get_by_role("link", name="Novo usuário").click()
    page.get_by_label("Nome").fill("Outra Ana")
    page.get_by_label("E-mail").fill("ANA@example.com")
    page.get_by_label("Senha").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Criar usuário").click()
    expect(page.locator("#user-create-email-error")).to_have_text("Este e-mail já está cadastrado.")
    expect(page.get_by_role("alert")).to_contain_text("Já existe um usuário com este e-mail.")
    expect(page.get_by_label("Nome")).to_have_value("Outra Ana")
    page.get_by_role("button", name="Cancelar").click()


def edit_from_a_filled_form(page: Page) -> None:
    # Record the name field's value the moment it enters the page, to prove the first render is filled.
    page.evaluate("""() => {
        window.__firstName = null;
        new MutationObserver(() => {
            const input = document.getElementById("user-edit-name");
            if (input && window.__firstName === null) window.__firstName = input.value;
        }).observe(document.body, { childList: true, subtree: true });
    }""")
    page.get_by_role("link", name="Editar Ana Souza").click()
    expect(page.get_by_label("Nome")).to_have_value("Ana Souza")
    assert page.evaluate("window.__firstName") == "Ana Souza"
    expect(page.get_by_label("E-mail")).to_have_value("ana@example.com")
    expect(page.get_by_label("Nova senha")).to_have_value("")
    page.get_by_label("Nome").fill("Ana Souza Lima")
    page.get_by_label("Perfil").select_option("admin")
    page.get_by_role("button", name="Salvar").click()
    saved = page.get_by_role("status").filter(has_text="Alterações de ana@example.com salvas.")
    expect(saved).to_be_visible()
    row = page.get_by_role("row").filter(has_text="ana@example.com")
    expect(row).to_contain_text("Ana Souza Lima")
    expect(row).to_contain_text("Administrador")


def search_then_delete_after_confirming(page: Page, stack: Stack) -> None:
    # Search lives in the URL.
    page.get_by_label("Buscar por nome ou e-mail").fill("lima")
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_text("1 usuário(s) encontrado(s)")).to_be_visible()
    assert "q=lima" in page.url

    # Escape cancels the confirmation and gives the focus back; the second time it is confirmed.
    page.get_by_role("button", name="Excluir Ana Souza Lima").click()
    dialog = page.get_by_role("alertdialog", name="Excluir usuário?")
    expect(dialog).to_contain_text("Ana Souza Lima (ana@example.com) será excluído definitivamente.")
    expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Excluir Ana Souza Lima")).to_be_focused()
    page.get_by_role("button", name="Excluir Ana Souza Lima").click()
    dialog.get_by_role("button", name="Excluir definitivamente").click()
    expect(page.get_by_role("status").filter(has_text="Usuário ana@example.com excluído.")).to_be_visible()
    expect(page.get_by_text("Nenhum usuário encontrado.")).to_be_visible()

    token = page.evaluate("sessionStorage.getItem('userapp.token')")
    assert api_get(stack, "/api/users?q=ana", token)["total"] == 0


def test_log_in_create_edit_delete_with_field_errors(page: Page, stack: Stack) -> None:
    sign_in_after_a_wrong_password(page, stack)
    create_through_a_422_and_a_409(page)
    edit_from_a_filled_form(page)
    search_then_delete_after_confirming(page, stack)

    # The admin's statistics: only the admin is left.
    page.get_by_role("link", name="Estatísticas").click()
    expect(page.get_by_role("heading", name="Estatísticas")).to_be_visible()
    expect(page.get_by_test_id("stats-total")).to_have_text("1")
    expect(page.get_by_role("table", name="Cadastros por dia (últimos 14 dias)")).to_be_visible()


def test_outages_keep_what_was_typed(page: Page, stack: Stack) -> None:
    log_in(page, stack.url)
    page.get_by_role("link", name="Novo usuário").click()
    page.get_by_label("Nome").fill("Bruno Dias")
    page.get_by_label("E-mail").fill("bruno@example.com")
    page.get_by_label("Senha").fill(NEW_PASSWORD)
    create = page.get_by_role("button", name="Criar usuário")

    # The backend is down: nginx answers 502.
    stack.stop_backend()
    create.click()
    expect(page.get_by_role("alert")).to_contain_text("O servidor está com problemas (erro 502)")

    # nginx is down too: no HTTP answer at all.
    stack.stop_nginx()
    create.click()
    expect(page.get_by_role("alert")).to_contain_text("Não foi possível falar com o servidor.")
    for label, value in (("Nome", "Bruno Dias"), ("E-mail", "bruno@example.com"), ("Senha", NEW_PASSWORD)):
        expect(page.get_by_label(label)).to_have_value(value)

    # Both back: the same click now succeeds, with nothing retyped.
    stack.start_backend()
    stack.start_nginx()
    create.click()
    expect(page.get_by_role("status").filter(has_text="Usuário bruno@example.com criado.")).to_be_visible()


def test_phone_layout_language_switch_and_contrast(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, stack.url)
        expect(page.get_by_test_id("environment")).to_be_visible()
        # Nothing wider than the phone's screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # Every visible text meets WCAG AA contrast (4.5:1) against what is behind it.
        low = page.evaluate(CONTRAST_SCRIPT)
        assert not low, low

        page.get_by_role("button", name="Switch to English").click()
        expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "en"
        page.reload()
        expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    finally:
        with suppress(Exception):
            context.close()


# Contrast ratio of each element that holds text, against the first opaque background behind it.
CONTRAST_SCRIPT = """() => {
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
        const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element) => {
        for (let node = element; node; node = node.parentElement) {
            const color = rgb(getComputedStyle(node).backgroundColor);
            if (color.length === 3 || color[3] === 1) return color;
        }
        return [255, 255, 255];
    };
    const low = [];
    for (const element of document.querySelectorAll("body *")) {
        const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const style = getComputedStyle(element);
        if (!own || style.visibility === "hidden" || element.getClientRects().length === 0) continue;
        if (element.closest(".visually-hidden, .skip-link")) continue;
        const [a, b] = [luminance(rgb(style.color)), luminance(background(element))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) low.push(`${element.tagName} "${element.textContent.trim()}": ${ratio.toFixed(2)}`);
    }
    return low;
}"""
