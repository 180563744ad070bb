"""The board's words in Brazilian Portuguese (default) and English. Keys are stable; templates call t(key)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "pt-BR": {
        "title": "Quadro de promoção",
        "audience_title": "Acompanhe ao vivo",
        "history_title": "Histórico de promoções",
        "live": "ao vivo",
        "stale_since": "desatualizado desde {time}",
        "connecting": "conectando ao cluster…",
        "stage": "Ambiente",
        "freight": "Freight",
        "freight_lane": "Freight (mais recente primeiro)",
        "no_freight": "sem freight",
        "images": "Imagens",
        "commits": "Commits",
        "since": "desde {time}",
        "health": "Saúde",
        "verification": "Verificação",
        "promoting": "Promovendo {freight}",
        "step_of": "passo {number} de {count}: {alias}",
        "failed_step": "falhou em {alias}: {message}",
        "last_promotion": "Última promoção",
        "approved_by": "aprovado por {actor} às {time}",
        "auto_promoted": "promovido automaticamente às {time}",
        "auto_promotion_on": "promoção automática",
        "auto_promotion_off": "aprovação manual",
        "applications": "Aplicações Argo CD",
        "app_missing": "aplicação {name} não encontrada",
        "stuck_rollout": "rollout travado: {repo} com {tags} (a versão antiga continua servindo)",
        "promotable": "Pode receber",
        "nothing_promotable": "nada novo para promover",
        "soaking": "{freight} em soak: faltam {minutes} min",
        "diff_title": "O que muda de {downstream} para {upstream}",
        "in_stages": "Em",
        "verified_in": "Verificado em",
        "approved_for": "Aprovado para",
        "promotable_to": "Promovível para",
        "discovered": "descoberto {time}",
        "audience_url": "Acompanhe no celular",
        "language": "Idioma",
        "nav_board": "Quadro",
        "nav_projector": "Projetor",
        "nav_watch": "Público",
        "nav_history": "Histórico",
        "history_empty": "nenhuma promoção ainda",
        "by": "por {actor}",
        "warehouses": "Warehouses",
        "phase.Promoting": "Promovendo",
        "phase.Verifying": "Verificando",
        "phase.Reconciling": "Reconciliando",
        "phase.Failed": "Falhou",
        "phase.Ready": "Pronto",
        "phase.Unknown": "Desconhecido",
    },
    "en": {
        "title": "Promotion board",
        "audience_title": "Follow live",
        "history_title": "Promotion history",
        "live": "live",
        "stale_since": "stale since {time}",
        "connecting": "connecting to the cluster…",
        "stage": "Stage",
        "freight": "Freight",
        "freight_lane": "Freight (newest first)",
        "no_freight": "no freight",
        "images": "Images",
        "commits": "Commits",
        "since": "since {time}",
        "health": "Health",
        "verification": "Verification",
        "promoting": "Promoting {freight}",
        "step_of": "step {number} of {count}: {alias}",
        "failed_step": "failed at {alias}: {message}",
        "last_promotion": "Last promotion",
        "approved_by": "approved by {actor} at {time}",
        "auto_promoted": "auto-promoted at {time}",
        "auto_promotion_on": "auto-promotion",
        "auto_promotion_off": "manual approval",
        "applications": "Argo CD applications",
        "app_missing": "application {name} not found",
        "stuck_rollout": "stuck rollout: {repo} runs {tags} (the old version is still serving)",
        "promotable": "Can receive",
        "nothing_promotable": "nothing new to promote",
        "soaking": "{freight} soaking: {minutes} min left",
        "diff_title": "What changes from {downstream} to {upstream}",
        "in_stages": "In",
        "verified_in": "Verified in",
        "approved_for": "Approved for",
        "promotable_to": "Promotable to",
        "discovered": "discovered {time}",
        "audience_url": "Follow on your phone",
        "language": "Language",
        "nav_board": "Board",
        "nav_projector": "Projector",
        "nav_watch": "Audience",
        "nav_history": "History",
        "history_empty": "no promotions yet",
        "by": "by {actor}",
        "warehouses": "Warehouses",
        "phase.Promoting": "Promoting",
        "phase.Verifying": "Verifying",
        "phase.Reconciling": "Reconciling",
        "phase.Failed": "Failed",
        "phase.Ready": "Ready",
        "phase.Unknown": "Unknown",
    },
}

# The talk happens in Brazil: times on the board are shown in Brasília time unless configured otherwise.
DEFAULT_TIMEZONE = timezone(timedelta(hours=-3), "BRT")


def translator(language: str) -> Callable[..., str]:
    """t(key, **values) for one language; unknown keys fall back to English, then to the key itself."""
    catalog, fallback = MESSAGES[language], MESSAGES["en"]

    def t(key: str, **values) -> str:
        text = catalog.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t


def clock_time(moment: datetime | None, tz: timezone = DEFAULT_TIMEZONE) -> str:
    """HH:MM:SS in the board's timezone ("" when unknown)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%H:%M:%S")


def pick_language(requested: str | None, remembered: str | None, default: str) -> str:
    """?lang= wins, then the language the viewer chose before (cookie), then the configured default."""
    for candidate in (requested, remembered):
        if candidate is not None and candidate in MESSAGES:
            return candidate
    return default
