"""Settings from environment variables, with safe embedded defaults and clear errors for bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

SOURCES = ("simulator", "kubernetes", "snapshot")
LANGUAGES = ("pt-BR", "en")


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    source: str = "simulator"
    project: str = "userapp"
    argocd_namespace: str = "argocd"
    kubeconfig: str | None = None
    kube_context: str | None = None
    snapshot_path: str | None = None
    public_url: str | None = None  # the audience URL shown on the projector (default: this server's /watch)
    default_language: str = "pt-BR"
    # Simulator: seconds between new freight appearing on its own (0 = only on demand).
    simulator_freight_interval: float = 0.0
    simulator_seed: int = 0
    # Re-render at least this often so relative times ("2 min ago") and soak timers stay true.
    refresh_seconds: float = 15.0

    def with_overrides(self, **changes) -> Settings:
        return validate(replace(self, **changes))


ENV = {
    "source": "DASHBOARD_SOURCE",
    "project": "KARGO_PROJECT",
    "argocd_namespace": "ARGOCD_NAMESPACE",
    "kubeconfig": "KUBECONFIG",
    "kube_context": "DASHBOARD_KUBE_CONTEXT",
    "snapshot_path": "DASHBOARD_SNAPSHOT",
    "public_url": "DASHBOARD_PUBLIC_URL",
    "default_language": "DASHBOARD_LANGUAGE",
    "simulator_freight_interval": "DASHBOARD_SIMULATOR_FREIGHT_INTERVAL",
    "simulator_seed": "DASHBOARD_SIMULATOR_SEED",
    "refresh_seconds": "DASHBOARD_REFRESH_SECONDS",
}


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; without DASHBOARD_SOURCE the board runs on the embedded simulator."""
    env = os.environ if environ is None else environ
    values: dict = {}
    for name, variable in ENV.items():
        raw = env.get(variable)
        if raw is None or raw == "":
            continue
        values[name] = _convert(name, variable, raw)
    return validate(Settings(**values))


def _convert(name: str, variable: str, raw: str):
    if name in ("simulator_freight_interval", "refresh_seconds"):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r}: expected a number of seconds") from None
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
    if settings.default_language not in LANGUAGES:
        raise SettingsError(
            f"DASHBOARD_LANGUAGE={settings.default_language!r}: expected one of " f"{', '.join(LANGUAGES)}"
        )
    if not settings.project:
        raise SettingsError("KARGO_PROJECT must not be empty")
    if settings.simulator_freight_interval < 0:
        raise SettingsError("DASHBOARD_SIMULATOR_FREIGHT_INTERVAL must be >= 0 (0 turns the timer off)")
    if settings.refresh_seconds <= 0:
        raise SettingsError("DASHBOARD_REFRESH_SECONDS must be > 0")
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        raise SettingsError(f"DASHBOARD_PUBLIC_URL={settings.public_url!r}: expected an http(s):// URL")
    return settings
