"""Identities and roles: the stage policy, the users file (argon2), demo logins, the proxy header, the
login rate limits, the write-side settings and `python -m dashboard hash-password`."""

from __future__ import annotations

import argparse
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.audit.shared import FailureCounts, SharedState
from dashboard.audit.store import AuditStore
from dashboard.auth.proxy import ProxyConfigError, TrustedHeaderAuth, parse_group_roles, parse_proxies
from dashboard.auth.ratelimit import LockoutPolicy
from dashboard.auth.roles import PolicyError, parse_stage_policy
from dashboard.auth.users import UsersFileError, demo_directory, hash_password, load_users
from dashboard.commands.hash_password import hash_password_command
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


def counts(pair=0, address=0, user=0, device=0, at=datetime(2026, 12, 4, tzinfo=UTC)) -> FailureCounts:
    return FailureCounts(pair, address, user, device, {k: at for k in ("pair", "address", "user", "device")})


def test_lockout_policy_locks_the_name_from_one_address_then_forgets():
    policy = LockoutPolicy(per_pair=3, per_address=100, per_user=50, window=timedelta(seconds=60))
    start = datetime(2026, 12, 4, tzinfo=UTC)
    assert policy.retry_after(counts(pair=2, at=start), start, known_device=False) == 0
    assert policy.retry_after(counts(pair=3, at=start), start, known_device=False) == pytest.approx(60)
    # A known device of that name is judged by its own failures only.
    assert policy.retry_after(counts(pair=3, address=100, user=50, at=start), start, known_device=True) == 0
    assert policy.retry_after(counts(device=5, at=start), start, known_device=True) == pytest.approx(60)
    assert (
        policy.retry_after(counts(pair=3, at=start), start + timedelta(seconds=61), known_device=False) == 0
    )


def test_lockout_policy_locks_an_address_and_a_name_tried_from_everywhere():
    policy = LockoutPolicy(per_pair=100, per_address=4, per_user=10, user_window=timedelta(minutes=15))
    start = datetime(2026, 12, 4, tzinfo=UTC)
    assert policy.retry_after(counts(address=4, at=start), start, known_device=False) > 0
    assert policy.retry_after(counts(user=10, at=start), start, known_device=False) == pytest.approx(900)


def test_failures_are_counted_in_the_shared_database_and_a_success_clears_the_pair():
    store = AuditStore("sqlite://")
    store.migrate()
    shared = SharedState(store)
    windows = LockoutPolicy().windows
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
        shared.record_failure("ana", address, None)
    found = shared.failures("ana", "10.0.0.1", None, windows)
    assert (found.pair, found.address, found.user, found.device) == (2, 2, 3, 0)
    shared.forget_failures("ana", "10.0.0.1")
    found = shared.failures("ana", "10.0.0.1", None, windows)
    assert (found.pair, found.user) == (0, 1)
    store.dispose()


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
