"""The board's words in Brazilian Portuguese (default) and English. Keys are stable; templates call t(key)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
        "queued_promotion": "Na fila: {freight} ({name})",
        "actor_unknown": "autor desconhecido, às {time}",
        "auto_promoted": "auto-promoção do Kargo, às {time}",
        "health_issue": "Saúde: {issue}",
        "hold": "Auto-promoção retida em {freight} ({origin}) por {actor}: {state}",
        "hold.effective": "em vigor",
        "hold.recorded": "registrada até ser liberada",
        "hold.reason": "a promoção {promotion} escolheu outra Freight que a candidata",
        "passes_on": "Passa adiante",
        "rejected": "Rejeitada por {actor} às {time}: {reason}",
        "app_condition": "{type}: {message}",
        "app_operation": "operação {phase}: {message}",
        "app_kargo_health": "para o Kargo: {health}",
        "unclaimed": "Sem Stage no quadro",
        "unclaimed_app": "Aplicação {namespace}/{name}: {sync} / {health}",
        "unclaimed_promotion": "Promoção {name} para o Stage {stage} (inexistente): {phase}",
        "unknown_count": "?",
        "notice.invalid-object": "{kind} {name} ficou fora do quadro: {field}: {why}",
        "notice.bad-argocd-context": "a anotação {annotation} não é JSON válido",
        "notice.application-missing": "Aplicação do Argo CD {namespace}/{name} não encontrada",
        "notice.stuck-rollout": (
            "A aplicação {application} roda {repo} com as tags {tags}: o rollout não terminou e a "
            "versão antiga ainda atende"
        ),
        "notice.verification-failed": "verificação {phase}{detail}",
        "notice.unhealthy": "Stage sem saúde{detail}",
        "notice.promotion-failed": "Promoção {name} {phase}{detail}",
        "notice.promotion-failed.with-step": "Promoção {name} {phase} no passo {step}{detail}",
        "notice.unknown-upstream": "pede Freight do Stage '{stage}', que não existe",
        "notice.cycle": "Stages em ciclo: {stages}",
        "diff.same": "mesma Freight",
        "diff.first": "primeira Freight",
        "diff.changed": "",
        "diff.different": "Freight diferente",
        "diff.ahead-commit": "{count} commit à frente",
        "diff.ahead-commits": "{count} commits à frente",
        "diff.behind-commit": "{count} commit atrás",
        "diff.behind-commits": "{count} commits atrás",
        "diff.ahead-version": "{count} versão à frente",
        "diff.ahead-versions": "{count} versões à frente",
        "diff.behind-version": "{count} versão atrás",
        "diff.behind-versions": "{count} versões atrás",
        "failed_step": "falhou em {alias}: {message}",
        "last_promotion": "Última promoção",
        "approved_by": "aprovado por {actor} às {time}",
        "auto_promotion_on": "promoção automática",
        "auto_promotion_off": "aprovação manual",
        "applications": "Aplicações Argo CD",
        "app_missing": "aplicação {name} não encontrada",
        "stuck_rollout": "rollout travado: {repo} com {tags} (a versão antiga continua servindo)",
        "promotable": "Pode receber",
        "nothing_promotable": "nada novo para promover",
        "more_promotable": "e mais {count} (mais antigas)",
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
        # The flow (projector, audience page, top of the board).
        "pipeline": "Pipeline de promoção",
        "warehouse": "Warehouse",
        "newest_freight": "mais novo: {freight}",
        "comes_from": "recebe de {sources}",
        "in_transit": "{freight} a caminho de {stage}",
        "queued": "na fila",
        "times_in_zone": "horários em {zone}",
        "audience_count": "{count} pessoas assistindo agora",
        "audience_count_one": "1 pessoa assistindo agora",
        "audience_qr": "QR code do endereço do público: {url}",
        "health.Healthy": "Saudável",
        "health.Progressing": "Subindo",
        "health.Unhealthy": "Com problemas",
        "health.Unknown": "Saúde desconhecida",
        "health.NotApplicable": "Sem checagem de saúde",
        "health.none": "Saúde ainda não avaliada",
        "verification.Pending": "Verificação na fila",
        "verification.Running": "Verificando…",
        "verification.Successful": "Verificado",
        "verification.Failed": "Verificação falhou",
        "verification.Error": "Erro na verificação",
        "verification.Inconclusive": "Verificação inconclusiva",
        "verification.Aborted": "Verificação abortada",
        "verification.unknown": "Verificação: {phase}",
        # The write side: logins, actions, audit log.
        "requested_by": "pedido por {actor} às {time}",
        "nav_audit": "Auditoria",
        "login": "Entrar",
        "logout": "Sair",
        "signed_in_as": "{name} · {role}",
        "role.viewer": "público",
        "role.qa": "QA",
        "role.po": "PO",
        "role.admin": "admin",
        "person.hidden": "alguém",
        "login_title": "Entrar no quadro",
        "username": "Usuário",
        "password": "Senha",
        "login_submit": "Entrar",
        "login_failed": "Usuário ou senha incorretos.",
        "login_rate_limited": "Muitas tentativas. Tente de novo em {seconds} s.",
        "login_unavailable": (
            "Login indisponível: o banco do registro de auditoria não responde. Tente de novo em instantes."
        ),
        "login_via_proxy": "O login é feito pelo proxy de autenticação da sua empresa.",
        "login_disabled": "Nenhum usuário configurado: este quadro é só leitura.",
        "actions": "Ações",
        "action.promote": "Promover {freight}",
        "action.rollback": "Voltar para {freight}",
        "action.abort": "Abortar promoção",
        "action.approve": "Aprovar para {stage}",
        "action.refresh": "Atualizar warehouse {warehouse}",
        "action_name.promote": "promover",
        "action_name.rollback": "voltar versão",
        "action_name.approve": "aprovar",
        "action_name.abort": "abortar",
        "action_name.refresh": "atualizar warehouse",
        "confirm.promote": "Promover {freight} para {stage}?",
        "confirm.rollback": "Voltar {stage} para {freight}?",
        "confirm.approve": "Aprovar {freight} para {stage}?",
        "confirm.abort": "Abortar a promoção {promotion}?",
        "confirm.refresh": "Procurar novos artefatos no warehouse {warehouse} agora?",
        "confirm.what_changes": "O que muda em {stage}",
        "confirm.artifact": "Artefato",
        "confirm.now": "Agora",
        "confirm.after": "Depois",
        "confirm.unchanged": "igual",
        "confirm.queued": "A promoção {promotion} ainda está em andamento: esta entra na fila.",
        "confirm.approve_note": (
            "Aprovação manual: libera o freight para {stage} sem a verificação no ambiente anterior."
        ),
        "confirm.abort_note": (
            "Os passos já feitos não são desfeitos; o ambiente fica como o último passo o deixou."
        ),
        "confirm.refresh_note": (
            "O Kargo procura novas imagens e commits sem esperar o intervalo do warehouse."
        ),
        "confirm.audited": "O pedido fica registrado no log de auditoria em seu nome.",
        "confirm.submit": "Confirmar",
        "confirm.cancel": "Cancelar",
        "result.title": "Pedido enviado",
        "result.promote-done": "Promoção {promotion} pedida: acompanhe no quadro.",
        "result.rollback-done": "Volta de versão pedida ({promotion}): acompanhe no quadro.",
        "result.approve-done": "{freight} aprovado para {stage}.",
        "result.abort-done": "Pedido para abortar {promotion} enviado.",
        "result.refresh-done": "Warehouse {warehouse} vai procurar novos artefatos agora.",
        "result.already-requested": (
            "Este pedido já tinha sido feito ({promotion}); nada foi enviado de novo."
        ),
        "result.already-refused": "Este pedido já tinha sido recusado.",
        "error.title": "Não foi feito",
        "error.login-required": "Entre para fazer isso.",
        "error.forbidden": "Seu papel ({role}) não pode fazer isso.",
        "error.kube-forbidden": (
            "O Kubernetes recusou: sem permissão para isso (RBAC ou a verificação de promote do Kargo)."
        ),
        "error.not-found": "Não encontrado (talvez tenha sido apagado).",
        "error.request-reused": (
            "Este formulário já foi usado para outro pedido. Recarregue o quadro e tente de novo."
        ),
        "error.conflict": "Não combina com o estado atual do quadro.",
        "error.claimed": (
            "{actor} acabou de pedir esta mesma promoção ({promotion}): nada foi enviado de novo."
        ),
        "error.not-available": "O freight não está disponível para este ambiente (o Kargo recusaria).",
        "error.invalid": "Pedido inválido.",
        "error.audit-unavailable": (
            "O log de auditoria está fora do ar: nada foi enviado ao Kargo. Tente de novo em instantes."
        ),
        "error.read-only": "Esta fonte de dados é só leitura: nenhuma ação é possível.",
        "error.timeout": (
            "O Kubernetes não respondeu a tempo. O pedido pode ter sido feito: confira o quadro e a "
            "auditoria."
        ),
        "error.unreachable": "Não foi possível falar com o Kubernetes: nada foi feito.",
        "error.kube-error": "O Kubernetes respondeu com um erro.",
        "error.csrf": "O formulário expirou ou veio de outro site. Recarregue a página e tente de novo.",
        "back_to_board": "Voltar ao quadro",
        "audit_title": "Log de auditoria",
        "audit.when": "Pedido em",
        "audit.who": "Quem",
        "audit.action": "Ação",
        "audit.stage": "Ambiente",
        "audit.freight": "Freight",
        "audit.promotion": "Promoção",
        "audit.outcome": "Resultado",
        "audit.finished": "Fim",
        "audit.pending": "em andamento",
        "audit.csv": "Baixar CSV",
        "audit.empty": "Nenhuma ação registrada ainda.",
        "audit.newer": "Mais recentes",
        "audit.older": "Mais antigas",
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
        "queued_promotion": "Queued: {freight} ({name})",
        "actor_unknown": "actor unknown, at {time}",
        "auto_promoted": "auto-promoted by Kargo, at {time}",
        "health_issue": "Health: {issue}",
        "hold": "Auto-promotion held at {freight} ({origin}) by {actor}: {state}",
        "hold.effective": "in force",
        "hold.recorded": "recorded until released",
        "hold.reason": "promotion {promotion} chose Freight other than the candidate",
        "passes_on": "Passes on",
        "rejected": "Rejected by {actor} at {time}: {reason}",
        "app_condition": "{type}: {message}",
        "app_operation": "operation {phase}: {message}",
        "app_kargo_health": "to Kargo: {health}",
        "unclaimed": "Not claimed by any Stage on the board",
        "unclaimed_app": "Application {namespace}/{name}: {sync} / {health}",
        "unclaimed_promotion": "Promotion {name} to Stage {stage} (not on the board): {phase}",
        "unknown_count": "?",
        "notice.invalid-object": "{kind} {name} was left out of the board: {field}: {why}",
        "notice.bad-argocd-context": "annotation {annotation} is not valid JSON",
        "notice.application-missing": "Argo CD Application {namespace}/{name} not found",
        "notice.stuck-rollout": (
            "Application {application} runs {repo} with tags {tags}: the rollout has not finished and "
            "the old version is still serving"
        ),
        "notice.verification-failed": "verification {phase}{detail}",
        "notice.unhealthy": "Stage is unhealthy{detail}",
        "notice.promotion-failed": "Promotion {name} {phase}{detail}",
        "notice.promotion-failed.with-step": "Promotion {name} {phase} at step {step}{detail}",
        "notice.unknown-upstream": "requests Freight from Stage '{stage}', which does not exist",
        "notice.cycle": "Stages in a cycle: {stages}",
        "diff.same": "same Freight",
        "diff.first": "first Freight",
        "diff.changed": "",
        "diff.different": "different Freight",
        "diff.ahead-commit": "{count} commit ahead",
        "diff.ahead-commits": "{count} commits ahead",
        "diff.behind-commit": "{count} commit behind",
        "diff.behind-commits": "{count} commits behind",
        "diff.ahead-version": "{count} version ahead",
        "diff.ahead-versions": "{count} versions ahead",
        "diff.behind-version": "{count} version behind",
        "diff.behind-versions": "{count} versions behind",
        "failed_step": "failed at {alias}: {message}",
        "last_promotion": "Last promotion",
        "approved_by": "approved by {actor} at {time}",
        "auto_promotion_on": "auto-promotion",
        "auto_promotion_off": "manual approval",
        "applications": "Argo CD applications",
        "app_missing": "application {name} not found",
        "stuck_rollout": "stuck rollout: {repo} runs {tags} (the old version is still serving)",
        "promotable": "Can receive",
        "nothing_promotable": "nothing new to promote",
        "more_promotable": "and {count} more (older)",
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
        # The flow (projector, audience page, top of the board).
        "pipeline": "Promotion pipeline",
        "warehouse": "Warehouse",
        "newest_freight": "newest: {freight}",
        "comes_from": "gets Freight from {sources}",
        "in_transit": "{freight} on its way to {stage}",
        "queued": "queued",
        "times_in_zone": "times in {zone}",
        "audience_count": "{count} people watching now",
        "audience_count_one": "1 person watching now",
        "audience_qr": "QR code of the audience address: {url}",
        "health.Healthy": "Healthy",
        "health.Progressing": "Starting up",
        "health.Unhealthy": "Unhealthy",
        "health.Unknown": "Health unknown",
        "health.NotApplicable": "No health checks",
        "health.none": "Health not assessed yet",
        "verification.Pending": "Verification queued",
        "verification.Running": "Verifying…",
        "verification.Successful": "Verified",
        "verification.Failed": "Verification failed",
        "verification.Error": "Verification error",
        "verification.Inconclusive": "Verification inconclusive",
        "verification.Aborted": "Verification aborted",
        "verification.unknown": "Verification: {phase}",
        # The write side: logins, actions, audit log.
        "requested_by": "requested by {actor} at {time}",
        "nav_audit": "Audit log",
        "login": "Log in",
        "logout": "Log out",
        "signed_in_as": "{name} · {role}",
        "role.viewer": "audience",
        "role.qa": "QA",
        "role.po": "PO",
        "role.admin": "admin",
        "person.hidden": "someone",
        "login_title": "Log in to the board",
        "username": "User name",
        "password": "Password",
        "login_submit": "Log in",
        "login_failed": "Wrong user name or password.",
        "login_rate_limited": "Too many attempts. Try again in {seconds} s.",
        "login_unavailable": (
            "Logging in is unavailable: the audit database does not answer. Try again shortly."
        ),
        "login_via_proxy": "Logging in happens at your company's authenticating proxy.",
        "login_disabled": "No users are configured: this board is read-only.",
        "actions": "Actions",
        "action.promote": "Promote {freight}",
        "action.rollback": "Roll back to {freight}",
        "action.abort": "Abort promotion",
        "action.approve": "Approve for {stage}",
        "action.refresh": "Refresh warehouse {warehouse}",
        "action_name.promote": "promote",
        "action_name.rollback": "roll back",
        "action_name.approve": "approve",
        "action_name.abort": "abort",
        "action_name.refresh": "refresh warehouse",
        "confirm.promote": "Promote {freight} to {stage}?",
        "confirm.rollback": "Roll {stage} back to {freight}?",
        "confirm.approve": "Approve {freight} for {stage}?",
        "confirm.abort": "Abort promotion {promotion}?",
        "confirm.refresh": "Look for new artifacts in warehouse {warehouse} now?",
        "confirm.what_changes": "What changes in {stage}",
        "confirm.artifact": "Artifact",
        "confirm.now": "Now",
        "confirm.after": "After",
        "confirm.unchanged": "same",
        "confirm.queued": "Promotion {promotion} is still under way: this one queues behind it.",
        "confirm.approve_note": (
            "Manual approval: makes the freight available to {stage} without verification upstream."
        ),
        "confirm.abort_note": "Steps already done are not undone; the stage stays as the last step left it.",
        "confirm.refresh_note": (
            "Kargo looks for new images and commits without waiting for the warehouse interval."
        ),
        "confirm.audited": "The request is recorded in the audit log under your name.",
        "confirm.submit": "Confirm",
        "confirm.cancel": "Cancel",
        "result.title": "Request sent",
        "result.promote-done": "Promotion {promotion} requested: follow it on the board.",
        "result.rollback-done": "Rollback requested ({promotion}): follow it on the board.",
        "result.approve-done": "{freight} approved for {stage}.",
        "result.abort-done": "Abort of {promotion} requested.",
        "result.refresh-done": "Warehouse {warehouse} is looking for new artifacts now.",
        "result.already-requested": "This request was already made ({promotion}); nothing was sent again.",
        "result.already-refused": "This request was already refused.",
        "error.title": "Not done",
        "error.login-required": "Log in to do that.",
        "error.forbidden": "Your role ({role}) may not do that.",
        "error.kube-forbidden": "Kubernetes refused: not permitted (RBAC or Kargo's promote check).",
        "error.not-found": "Not found (it may have been deleted).",
        "error.request-reused": (
            "This form was already used for another request. Reload the board and try again."
        ),
        "error.conflict": "That does not match the board's current state.",
        "error.claimed": (
            "{actor} asked for this very promotion a moment ago ({promotion}): nothing was sent again."
        ),
        "error.not-available": "The freight is not available to this stage (Kargo would refuse it).",
        "error.invalid": "Invalid request.",
        "error.audit-unavailable": "The audit log is down: nothing was sent to Kargo. Try again in a moment.",
        "error.read-only": "This data source is read-only: no action is possible.",
        "error.timeout": (
            "Kubernetes did not answer in time. The request may have happened: check the board and the "
            "audit log."
        ),
        "error.unreachable": "Could not reach Kubernetes: nothing was done.",
        "error.kube-error": "Kubernetes answered with an error.",
        "error.csrf": "The form expired or came from another site. Reload the page and try again.",
        "back_to_board": "Back to the board",
        "audit_title": "Audit log",
        "audit.when": "Requested at",
        "audit.who": "Who",
        "audit.action": "Action",
        "audit.stage": "Stage",
        "audit.freight": "Freight",
        "audit.promotion": "Promotion",
        "audit.outcome": "Outcome",
        "audit.finished": "Finished",
        "audit.pending": "in progress",
        "audit.csv": "Download CSV",
        "audit.empty": "No actions recorded yet.",
        "audit.newer": "Newer",
        "audit.older": "Older",
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


def board_timezone(name: str) -> tzinfo:
    """The zone the board shows times in: an IANA name (`America/Sao_Paulo`), or Brasília time for ""."""
    if not name:
        return DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown time zone {name!r} (expected an IANA name such as America/Sao_Paulo)"
        ) from error


def zone_label(tz: tzinfo, moment: datetime) -> str:
    """The zone's abbreviation at `moment` (`BRT`), or its UTC offset when it has none (`UTC-03`)."""
    name = moment.astimezone(tz).tzname() or ""
    return name if name[:1].isalpha() else f"UTC{name}"


def clock_time(moment: datetime | None, tz: tzinfo = DEFAULT_TIMEZONE) -> str:
    """HH:MM:SS and the zone, in the board's timezone ("" when unknown): `14:03:12 BRT`."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(tz).strftime('%H:%M:%S')} {zone_label(tz, moment)}"


def notice_translator(language: str) -> Callable[[Any], str]:
    """The board's own words for a model notice: its code and parameters in `language` when the catalog has
    the code, else the model's English text."""
    catalog, fallback = MESSAGES[language], MESSAGES["en"]

    def notice_text(notice: Any) -> str:
        # A sentence may have a variant for when a Promotion failed at a named step.
        key = (
            f"notice.{notice.code}.with-step" if dict(notice.params).get("step") else f"notice.{notice.code}"
        )
        text = catalog.get(key) or fallback.get(key)
        return text.format(**dict(notice.params)) if text and notice.params else notice.message

    return notice_text


def diff_translator(language: str) -> Callable[[Any], str]:
    """The "what changes" line of a StageDiff in `language`: its code's head, then the changed artifacts
    (English, from the model, when the catalog lacks the code)."""
    catalog = MESSAGES[language]

    def diff_text(diff: Any) -> str:
        head = catalog.get(f"diff.{diff.summary_code}")
        if head is None:
            return diff.summary
        values = dict(diff.summary_params)
        head = head.format(**values)
        changes = values.get("changes", "")
        return f"{head}: {changes}" if head and changes else head or changes

    return diff_text


def day_time(moment: datetime | None, tz: tzinfo = DEFAULT_TIMEZONE) -> str:
    """YYYY-MM-DD HH:MM:SS in the board's timezone ("" when unknown), for the audit log."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def pick_language(requested: str | None, remembered: str | None, default: str) -> str:
    """?lang= wins, then the language the viewer chose before (cookie), then the configured default."""
    for candidate in (requested, remembered):
        if candidate is not None and candidate in MESSAGES:
            return candidate
    return default
