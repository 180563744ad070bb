"""Settings from environment variables, with safe embedded defaults and clear errors for bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from dashboard.auth.roles import DEFAULT_STAGE_POLICY
from dashboard.i18n import board_timezone
from dashboard.model.people import AUDIENCE_PEOPLE

SOURCES = ("simulator", "kubernetes", "snapshot", "replay")
LANGUAGES = ("pt-BR", "en")


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:  # pylint: disable=too-many-instance-attributes  # one field per environment variable
    source: str = "simulator"
    project: str = "userapp"
    argocd_namespace: str = "argocd"
    kubeconfig: str | None = None
    kube_context: str | None = None
    snapshot_path: str | None = None
    # Replay: a recording (`python -m dashboard record`) played at its pace times `replay_speed`.
    replay_path: str | None = None
    replay_speed: float = 1.0
    public_url: str | None = None  # the audience URL shown on the projector (default: this server's /watch)
    default_language: str = "pt-BR"
    timezone: str = ""  # IANA name of the zone times are shown in; "" = Brasília time (BRT)
    # Simulator: seconds between new freight appearing on its own (0 = only on demand).
    simulator_freight_interval: float = 0.0
    simulator_seed: int = 0
    # Re-render at least this often so relative times ("2 min ago") and soak timers stay true.
    refresh_seconds: float = 15.0
    # Write side (logins, actions, audit log): see README "Roles, logins and the audit log".
    mode: str = ""  # demo | production; "" = production for the kubernetes source, demo for the offline ones
    secret_key: str | None = None  # signs sessions and CSRF tokens; required in production
    users_file: str | None = None
    trusted_user_header: str | None = None
    trusted_role_header: str | None = None
    trusted_groups_header: str | None = None
    trusted_group_roles: str = ""
    trusted_proxies: str = "127.0.0.1,::1"
    stage_policy: str = DEFAULT_STAGE_POLICY
    # Settings built in code (tests, benchmarks) keep the audit log in memory; from_env defaults to a file.
    audit_url: str = "sqlite://"
    admin_actions: bool = True
    cookie_secure: bool | None = (
        None  # None: Secure in production, not in demo mode (plain http on localhost)
    )
    impersonate: bool = False
    # What anonymous viewers see of people (who promoted): "roles" (default) or "names".
    audience_people: str = "roles"

    @property
    def demo(self) -> bool:
        return self.mode == "demo" or (not self.mode and self.source != "kubernetes")

    def with_overrides(self, **changes) -> Settings:
        return validate(replace(self, **changes))


ENV = {
    "source": "DASHBOARD_SOURCE",
    "project": "KARGO_PROJECT",
    "argocd_namespace": "ARGOCD_NAMESPACE",
    "kubeconfig": "KUBECONFIG",
    "kube_context": "DASHBOARD_KUBE_CONTEXT",
    "snapshot_path": "DASHBOARD_SNAPSHOT",
    "replay_path": "DASHBOARD_REPLAY",
    "replay_speed": "DASHBOARD_REPLAY_SPEED",
    "public_url": "DASHBOARD_PUBLIC_URL",
    "default_language": "DASHBOARD_LANGUAGE",
    "timezone": "DASHBOARD_TIMEZONE",
    "simulator_freight_interval": "DASHBOARD_SIMULATOR_FREIGHT_INTERVAL",
    "simulator_seed": "DASHBOARD_SIMULATOR_SEED",
    "refresh_seconds": "DASHBOARD_REFRESH_SECONDS",
    "mode": "DASHBOARD_MODE",
    "secret_key": "DASHBOARD_SECRET_KEY",
    "users_file": "DASHBOARD_USERS_FILE",
    "trusted_user_header": "DASHBOARD_TRUSTED_USER_HEADER",
    "trusted_role_header": "DASHBOARD_TRUSTED_ROLE_HEADER",
    "trusted_groups_header": "DASHBOARD_TRUSTED_GROUPS_HEADER",
    "trusted_group_roles": "DASHBOARD_TRUSTED_GROUP_ROLES",
    "trusted_proxies": "DASHBOARD_TRUSTED_PROXIES",
    "stage_policy": "DASHBOARD_STAGE_POLICY",
    "audit_url": "DASHBOARD_AUDIT_URL",
    "admin_actions": "DASHBOARD_ENABLE_ADMIN_ACTIONS",
    "cookie_secure": "DASHBOARD_COOKIE_SECURE",
    "impersonate": "DASHBOARD_IMPERSONATE",
    "audience_people": "DASHBOARD_AUDIENCE_PEOPLE",
}
BOOLEANS = ("admin_actions", "cookie_secure", "impersonate")


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; without DASHBOARD_SOURCE the board runs on the embedded simulator."""
    env = os.environ if environ is None else environ
    values: dict = {}
    for name, variable in ENV.items():
        raw = env.get(variable)
        if raw is None or raw == "":
            continue
        values[name] = _convert(name, variable, raw)
    values.setdefault("audit_url", default_audit_url(env))
    return validate(Settings(**values))


def _convert(name: str, variable: str, raw: str):
    if name in BOOLEANS:
        return _boolean(variable, raw)
    if name in ("simulator_freight_interval", "refresh_seconds"):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r}: expected a number of seconds") from None
    if name == "replay_speed":
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(
                f"{variable}={raw!r}: expected a number (1 = as recorded, 10 = ten times faster)"
            ) from None
    if name == "simulator_seed":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r}: expected an integer") from None
    return raw


def validate(settings: Settings) -> Settings:
    if settings.source not in SOURCES:
        raise SettingsError(f"DASHBOARD_SOURCE={settings.source!r}: expected one of {', '.join(SOURCES)}")
    if settings.source == "snapshot" and not settings.snapshot_path:
        raise SettingsError(
            "DASHBOARD_SOURCE=snapshot needs DASHBOARD_SNAPSHOT (the path of a YAML/JSON dump)"
        )
    if settings.source == "replay":
        validate_replay(settings)
    if settings.default_language not in LANGUAGES:
        raise SettingsError(
            f"DASHBOARD_LANGUAGE={settings.default_language!r}: expected one of " f"{', '.join(LANGUAGES)}"
        )
    if not settings.project:
        raise SettingsError("KARGO_PROJECT must not be empty")
    try:
        board_timezone(settings.timezone)
    except ValueError as error:
        raise SettingsError(f"DASHBOARD_TIMEZONE: {error}") from None
    if settings.simulator_freight_interval < 0:
        raise SettingsError("DASHBOARD_SIMULATOR_FREIGHT_INTERVAL must be >= 0 (0 turns the timer off)")
    if settings.refresh_seconds <= 0:
        raise SettingsError("DASHBOARD_REFRESH_SECONDS must be > 0")
    if settings.audience_people not in AUDIENCE_PEOPLE:
        raise SettingsError(
            f"DASHBOARD_AUDIENCE_PEOPLE={settings.audience_people!r}: expected "
            f"{' or '.join(AUDIENCE_PEOPLE)} (what the anonymous audience sees of who promoted)"
        )
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        raise SettingsError(f"DASHBOARD_PUBLIC_URL={settings.public_url!r}: expected an http(s):// URL")
    validate_write_side(settings)
    return settings


def validate_replay(settings: Settings) -> None:
    """The file's contents are checked when it is loaded (RecordingError names the line)."""
    if not settings.replay_path:
        raise SettingsError(
            "DASHBOARD_SOURCE=replay needs DASHBOARD_REPLAY (a file from `python -m dashboard record`)"
        )
    if not os.path.isfile(settings.replay_path):
        raise SettingsError(f"DASHBOARD_REPLAY={settings.replay_path!r}: no such file")
    if not settings.replay_speed > 0:  # also refuses NaN
        raise SettingsError(
            f"DASHBOARD_REPLAY_SPEED={settings.replay_speed!r}: must be > 0 (1 = as recorded)"
        )


# -- the write side: logins, actions, audit log ------------------------------------------------------------

MODES = ("demo", "production")
MIN_SECRET_KEY_LENGTH = 32


def _boolean(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{variable}={raw!r}: expected true or false")


def default_audit_url(env: Mapping[str, str]) -> str:
    """A SQLite file under $XDG_STATE_HOME (default ~/.local/state): survives restarts of `make demo`."""
    state = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return "sqlite:///" + os.path.join(state, "promotion-board", "audit.sqlite3")


def validate_write_side(settings: Settings) -> None:
    # Imported here: `settings` stays importable without the auth stack.
    # pylint: disable=import-outside-toplevel
    from dashboard.auth.proxy import ProxyConfigError, parse_group_roles, parse_proxies
    from dashboard.auth.roles import PolicyError, parse_stage_policy
    from dashboard.auth.users import UsersFileError, load_users

    if settings.mode not in ("", *MODES):
        raise SettingsError(f"DASHBOARD_MODE={settings.mode!r}: expected demo or production")
    if not settings.demo and len(settings.secret_key or "") < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"DASHBOARD_SECRET_KEY is required in production mode (at least {MIN_SECRET_KEY_LENGTH} "
            "characters; e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`). "
            "Production is the default for DASHBOARD_SOURCE=kubernetes; DASHBOARD_MODE=demo is for demos only"
        )
    try:
        parse_stage_policy(settings.stage_policy)
    except PolicyError as error:
        raise SettingsError(f"DASHBOARD_STAGE_POLICY={settings.stage_policy!r}: {error}") from None
    try:
        parse_proxies(settings.trusted_proxies)
        parse_group_roles(settings.trusted_group_roles)
    except ProxyConfigError as error:
        raise SettingsError(f"DASHBOARD_TRUSTED_PROXIES / DASHBOARD_TRUSTED_GROUP_ROLES: {error}") from None
    if settings.trusted_user_header and not (
        settings.trusted_role_header or (settings.trusted_groups_header and settings.trusted_group_roles)
    ):
        raise SettingsError(
            "DASHBOARD_TRUSTED_USER_HEADER needs DASHBOARD_TRUSTED_ROLE_HEADER, or "
            "DASHBOARD_TRUSTED_GROUPS_HEADER with DASHBOARD_TRUSTED_GROUP_ROLES (group=role;...)"
        )
    if settings.users_file:
        try:
            load_users(settings.users_file)
        except UsersFileError as error:
            raise SettingsError(f"DASHBOARD_USERS_FILE: {error}") from None
    if not settings.audit_url.startswith(
        ("sqlite://", "postgresql://", "postgresql+psycopg://", "postgres://")
    ):
        raise SettingsError(
            "DASHBOARD_AUDIT_URL: expected a sqlite:/// or postgresql:// URL, "
            f"got {_redacted(settings.audit_url)!r}"
        )


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}" if at else url
