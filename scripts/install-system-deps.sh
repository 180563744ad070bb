#!/usr/bin/env bash
# Install the Debian packages the tests and the demo need, only when they are missing.
# PostgreSQL (the tests' throwaway databases), Chromium (the browser tests), nginx (serves the front end's
# build in its browser test, with the image's own config; with fcgiwrap, the test Git server in front of
# `git http-backend`), git, openssl, shellcheck, tmux (the talk's terminal layout; the slides' overflow test runs
# presenterm in a tmux pane), bubblewrap and gettext-base (envsubst: the front-end image's nginx entrypoint runs
# under a read-only root in the tests), redis-server (Argo CD's cache in the lab: tests/harness/argocd.py), ffmpeg
# (make backup-video assembles its frames into an MP4 and checks it with ffprobe).
set -euo pipefail

PACKAGES=(postgresql chromium nginx fcgiwrap git openssl ca-certificates shellcheck tmux bubblewrap gettext-base
  redis-server ffmpeg)
# kubectl (make preflight and its tests): Debian's kubernetes-client, unless a kubectl is installed already
# (another package's /usr/bin/kubectl would clash with it).
command -v kubectl >/dev/null 2>&1 || PACKAGES+=(kubernetes-client)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "[system-deps] all present: ${PACKAGES[*]}"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "[system-deps] error: missing ${missing[*]} and not root (and no sudo). Install them, then rerun." >&2
    exit 1
  fi
  SUDO=(sudo)
fi

echo "[system-deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A stale package index makes apt fail with 404s; refresh it once before installing.
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian's postgresql package starts a cluster service on install; the tests run their own servers.
