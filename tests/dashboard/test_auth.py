"""Identities and roles: the stage policy, the users file (argon2), demo logins, the proxy header, the
login rate limits, the write-side settings and `python -m dashboard hash-password`."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from dashboard.auth.cli import hash_password_command
from dashboard.auth.proxy import ProxyConfigError, TrustedHeaderAuth, parse_group_roles, parse_proxies
from dashboard.auth.ratelimit import LoginRateLimiter, login_keys
from dashboard.auth.roles import PolicyError, parse_stage_policy
from dashboard.auth.users import UsersFileError, demo_directory, hash_password, load_users
from dashboard.settings import SettingsError, from_env

SECRET = "k" * 32


def users_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_default_stage_policy_is_qa_stg_po_prod_admin_everything():
    policy = parse_stage_policy("qa=stg;po=prod;admin=*")
    assert policy.may_promote("qa", "stg") and not policy.may_promote("qa", "prod")
    assert policy.may_promote("po", "prod") and not policy.may_promote("po", "stg")
    assert all(policy.may_promote("admin", stage) for stage in ("dev", "stg", "prod", "anything"))
    assert not policy.may_promote("qa", "dev") and not policy.may_promote("viewer", "stg")


def test_stage_policy_takes_several_stages_per_role():
    policy = parse_stage_policy(" qa = stg, uat ; po=prod ")
    assert policy.may_promote("qa", "uat") and policy.may_promote("qa", "stg")
    assert not policy.may_promote("admin", "prod")  # not listed: promotes nowhere


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("qa", "expected role=stage"),
        ("viewer=stg", "unknown role 'viewer'"),
        ("boss=prod", "unknown role 'boss'"),
        ("qa=stg;qa=prod", "listed twice"),
        ("qa=", "no stage given"),
    ],
)
def test_bad_stage_policies_get_clear_errors(text: str, message: str):
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_stage_policy(text)


def test_users_file_logins_with_argon2_hashes(tmp_path: Path):
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    path = users_file(tmp_path, f'users:\n  - name: ana\n    role: qa\n    password_hash: "{hashed}"\n')
    users = load_users(path)
    user = users.authenticate("ana", "correct horse battery")
    assert user is not None and user.role == "qa"
    assert users.authenticate("ana", "wrong horse battery") is None
    assert users.authenticate("nobody", "correct horse battery") is None
    assert not users.generated and users.demo_logins() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("users: 3\n", "expected a mapping with a 'users' list"),
        ("users:\n  - name: ana\n    role: qa\n    password_hash: hunter22\n", "must be an argon2 hash"),
        ("users:\n  - name: ana\n    role: boss\n    password_hash: $argon2id$x\n", "role 'boss'"),
        ("users:\n  - name: 'bad name'\n    role: qa\n    password_hash: $argon2id$x\n", "name 'bad name'"),
        (
            "users:\n  - {name: a, role: qa, password_hash: $argon2id$x}\n"
            "  - {name: a, role: po, password_hash: $argon2id$x}\n",
            "listed twice",
        ),
        (
            "users:\n  - {name: a, role: qa, password_hash: $argon2id$x, password: plain}\n",
            "unknown keys password",
        ),
        ("users: [\n", "not valid YAML"),
    ],
)
def test_bad_users_files_get_clear_errors(tmp_path: Path, body: str, message: str):
    with pytest.raises(UsersFileError, match=re.escape(message)):
        load_users(users_file(tmp_path, body))


def test_missing_users_file_names_the_path(tmp_path: Path):
    with pytest.raises(UsersFileError, match="cannot read it"):
        load_users(tmp_path / "absent.yaml")


def test_demo_logins_are_random_per_start():
    first, second = demo_directory(), demo_directory()
    assert first.generated
    assert [(n, r) for n, r, _ in first.demo_logins()] == [("qa", "qa"), ("po", "po"), ("admin", "admin")]
    passwords = [p for _, _, p in first.demo_logins()]
    assert len(set(passwords)) == 3 and all(len(p) >= 12 for p in passwords)
    assert passwords != [p for _, _, p in second.demo_logins()]
    name, _, password = first.demo_logins()[0]
    assert first.authenticate(name, password) is not None
    assert first.authenticate(name, password + "x") is None


def test_rate_limiter_locks_a_user_name_then_forgets():
    now = [0.0]
    limiter = LoginRateLimiter(per_user=3, per_address=100, window_seconds=60, clock=lambda: now[0])
    keys = login_keys("Ana", "10.0.0.1")
    for _ in range(3):
        assert limiter.retry_after(keys) == 0
        limiter.failed(keys)
    assert limiter.retry_after(keys) == pytest.approx(60)
    # The same name from another address is locked too (it is the account that is attacked) ...
    assert limiter.retry_after(login_keys("ana", "10.0.0.2")) > 0
    # ... another name from the same address is not (below the per-address limit).
    assert limiter.retry_after(login_keys("bob", "10.0.0.1")) == 0
    now[0] = 61.0
    assert limiter.retry_after(keys) == 0


def test_rate_limiter_locks_an_address_trying_many_names():
    limiter = LoginRateLimiter(per_user=100, per_address=4, window_seconds=60, clock=lambda: 0.0)
    for index in range(4):
        limiter.failed(login_keys(f"user{index}", "10.0.0.9"))
    assert limiter.retry_after(login_keys("someone-else", "10.0.0.9")) > 0
    assert limiter.retry_after(login_keys("someone-else", "10.0.0.8")) == 0


def test_a_success_clears_the_user_names_failures():
    limiter = LoginRateLimiter(per_user=2, per_address=100, clock=lambda: 0.0)
    keys = login_keys("ana", "10.0.0.1")
    limiter.failed(keys)
    limiter.succeeded(keys)
    limiter.failed(keys)
    assert limiter.retry_after(keys) == 0


def test_trusted_header_only_from_the_proxy_and_roles_from_groups():
    proxy = TrustedHeaderAuth(
        user_header="X-Forwarded-User",
        groups_header="X-Forwarded-Groups",
        group_roles=parse_group_roles("board-qa=qa;board-po=po;platform=admin"),
        proxies=parse_proxies("10.0.0.0/8, 127.0.0.1"),
    )
    headers = {"X-Forwarded-User": "ana@example.com", "X-Forwarded-Groups": "staff,board-qa"}
    identity = proxy.identity(headers, "10.1.2.3")
    assert identity is not None and (identity.name, identity.role, identity.source) == (
        "ana@example.com",
        "qa",
        "proxy",
    )
    assert proxy.identity(headers, "192.168.1.5") is None  # anyone can send the header; only the proxy counts
    assert proxy.identity({"X-Forwarded-User": "bob"}, "127.0.0.1").role == "viewer"  # type: ignore[union-attr]
    both = {"X-Forwarded-User": "carla", "X-Forwarded-Groups": "board-qa,platform"}
    assert proxy.identity(both, "127.0.0.1").role == "admin"  # type: ignore[union-attr]
    assert proxy.identity({"X-Forwarded-User": "x y"}, "127.0.0.1") is None


def test_trusted_role_header():
    proxy = TrustedHeaderAuth(user_header="X-User", role_header="X-Role", proxies=parse_proxies("::1"))
    assert proxy.identity({"X-User": "po1", "X-Role": "PO"}, "::1").role == "po"  # type: ignore[union-attr]
    assert proxy.identity({"X-User": "po1", "X-Role": "root"}, "::1").role == "viewer"  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "parser"), [("10.0.0.0/33", parse_proxies), ("qa", parse_group_roles)])
def test_bad_proxy_configuration(text: str, parser):
    with pytest.raises(ProxyConfigError):
        parser(text)


def test_production_mode_requires_a_secret_key():
    with pytest.raises(SettingsError, match="DASHBOARD_SECRET_KEY is required in production mode"):
        from_env({"DASHBOARD_SOURCE": "kubernetes"})
    with pytest.raises(SettingsError, match="DASHBOARD_SECRET_KEY is required"):
        from_env({"DASHBOARD_MODE": "production", "DASHBOARD_SECRET_KEY": "short"})
    settings = from_env({"DASHBOARD_SOURCE": "kubernetes", "DASHBOARD_SECRET_KEY": SECRET})
    assert not settings.demo and settings.secret_key == SECRET


def test_demo_is_the_default_for_the_simulator_and_keeps_the_audit_log_in_a_file(tmp_path: Path):
    settings = from_env({"XDG_STATE_HOME": str(tmp_path)})
    assert settings.demo
    assert settings.audit_url == f"sqlite:///{tmp_path}/promotion-board/audit.sqlite3"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DASHBOARD_MODE": "staging"}, "DASHBOARD_MODE='staging'"),
        ({"DASHBOARD_STAGE_POLICY": "qa:stg"}, "DASHBOARD_STAGE_POLICY='qa:stg'"),
        ({"DASHBOARD_ENABLE_ADMIN_ACTIONS": "maybe"}, "expected true or false"),
        ({"DASHBOARD_TRUSTED_USER_HEADER": "X-User"}, "needs DASHBOARD_TRUSTED_ROLE_HEADER"),
        ({"DASHBOARD_TRUSTED_PROXIES": "somewhere"}, "not an IP address or CIDR"),
        ({"DASHBOARD_AUDIT_URL": "mysql://u:pw@db/audit"}, "mysql://u:***@db/audit"),
        ({"DASHBOARD_USERS_FILE": "/nonexistent/users.yaml"}, "DASHBOARD_USERS_FILE: users file"),
    ],
)
def test_bad_write_side_settings_get_clear_errors(environ: dict, message: str):
    with pytest.raises(SettingsError, match=re.escape(message)):
        from_env(environ)


def test_the_audit_password_never_shows_in_errors():
    with pytest.raises(SettingsError) as raised:
        from_env({"DASHBOARD_AUDIT_URL": "mysql://board:s3cret@db/audit"})
    assert "s3cret" not in str(raised.value)


def run_hash_password(stdin: str, **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(name=options.get("name"), role=options.get("role"))
    code = hash_password_command(args, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def test_hash_password_prints_a_users_file_entry_that_loads(tmp_path: Path):
    code, out, _ = run_hash_password("correct horse battery\n", name="ana", role="qa")
    assert code == 0
    users = load_users(users_file(tmp_path, "users:\n" + out))
    assert users.authenticate("ana", "correct horse battery") is not None


def test_hash_password_refuses_short_passwords_and_half_entries():
    assert run_hash_password("short\n")[0] == 2
    code, _, err = run_hash_password("long enough pw\n", name="ana")
    assert code == 2 and "--name and --role go together" in err
