#!/usr/bin/env bash
# The talk's terminal layout (presentation/runbook.md, "As telas"): one tmux session with a window for the
# slides, one for the speaker notes, one for the demo's commands and one watching dev's pods. Idempotent:
# an existing session is left as it is and only missing windows are added. Attach with
# `tmux attach -t palestra` (the projector's terminal) and `tmux attach -t palestra:notas` in a second one.
#
# Usage: scripts/demo-terminal.sh [SESSION]     # default session name: palestra
set -euo pipefail
shopt -s inherit_errexit
SCRIPT_NAME="demo-terminal"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

session="${1:-palestra}"
[[ "$session" =~ ^[A-Za-z0-9_-]+$ ]] || die "session name '$session': use letters, digits, - and _ only"
need tmux

slides="$ROOT/presentation/slides.md"
presenterm="$("$ROOT/scripts/install-presenterm.sh" --cached 2>/dev/null || command -v presenterm || true)"
if [[ -z "$presenterm" ]]; then
  warn "presenterm is not installed (make presenterm): the slides windows open a shell instead"
fi

# window NAME COMMAND: create the window unless the session has it already.
window() {
  local name="$1" command="$2"
  if tmux list-windows -t "=$session" -F '#{window_name}' 2>/dev/null | grep -qx "$name"; then
    log "window $session:$name exists"
  elif tmux has-session -t "=$session" 2>/dev/null; then
    tmux new-window -d -t "=$session:" -n "$name" -c "$ROOT" "$command"
    log "window $session:$name created"
  else
    tmux new-session -d -s "$session" -n "$name" -c "$ROOT" "$command"
    log "session $session created with window $name"
  fi
}

shell="${SHELL:-bash}"
if [[ -n "$presenterm" ]]; then
  config="$ROOT/presentation/presenterm.yaml"
  printf -v publish '%q -c %q --publish-speaker-notes %q; %s' "$presenterm" "$config" "$slides" "$shell"
  printf -v listen '%q -c %q --listen-speaker-notes %q; %s' "$presenterm" "$config" "$slides" "$shell"
  window slides "$publish"
  window notas "$listen"
else
  window slides "$shell"
  window notas "$shell"
fi
window comandos "$shell"
window pods "kubectl -n dev get pods -w; $shell"
log "attach with: tmux attach -t $session"
