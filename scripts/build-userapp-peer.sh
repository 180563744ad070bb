#!/usr/bin/env bash
# Bring the talk's original user service (the benchmark's peer) into the cache, with a virtualenv of its own.
#
# The peer is github.com/marcellmartini/image-promotion-gitops at a pinned commit (apps/backend: FastAPI,
# SQLAlchemy, psycopg2, Alembic). None of its code comes into this repository: only `make bench-userapp` runs it,
# side by side with this project's service. Its source comes from a local archive when there is one
# (PEERS_DIR, default ../shared/peers beside the checkout, holds image-promotion-gitops-backend-<short>.tar.gz),
# otherwise from a clone of that commit. Its dependencies install from PyPI into its own virtualenv, pinned to
# the versions of its poetry.lock; gunicorn and uvicorn-worker are added (at this project's versions) so that it
# starts the same way as this project's service.
#
# Usage: scripts/build-userapp-peer.sh     # prints the peer's directory: <dir>/src/apps/backend, <dir>/venv
#        PEER_DIR=/some/dir scripts/...    # override the cache location
set -euo pipefail

REPO="marcellmartini/image-promotion-gitops"
COMMIT="29a05d225e827514ceca0caef037b0b98e6d790c"
SHORT="${COMMIT:0:7}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
DEST="${PEER_DIR:-$CACHE_ROOT/peers/image-promotion-gitops-$SHORT}"
ARCHIVE="${PEERS_DIR:-$ROOT/../shared/peers}/image-promotion-gitops-backend-$SHORT.tar.gz"
BACKEND="$DEST/src/apps/backend"
# Added to the peer's own dependencies so that it runs under gunicorn like this project's service.
EXTRA=("gunicorn==27.0.1" "uvicorn-worker==0.4.0")

log() { printf '[build-userapp-peer] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [[ -x "$DEST/venv/bin/gunicorn" && -f "$DEST/venv/.complete" ]]; then
  echo "$DEST"
  exit 0
fi

UV="$ROOT/.bootstrap/bin/uv"
[[ -x $UV ]] || UV="$(command -v uv || true)"
[[ -n $UV ]] || die "uv is needed: run 'make setup-python' first"
command -v python3.11 >/dev/null 2>&1 || die "python3.11 is needed for the peer's virtualenv"

mkdir -p "$DEST"
if [[ ! -f "$BACKEND/pyproject.toml" ]]; then
  tmp="$(mktemp -d "$DEST/.src.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if [[ -f $ARCHIVE ]]; then
    log "unpacking $ARCHIVE"
    tar -xzf "$ARCHIVE" -C "$tmp" || die "could not unpack $ARCHIVE"
  else
    log "no archive at $ARCHIVE; cloning https://github.com/$REPO at $COMMIT"
    git init --quiet "$tmp/image-promotion-gitops"
    git -C "$tmp/image-promotion-gitops" fetch --quiet --depth 1 "https://github.com/$REPO" "$COMMIT" ||
      die "no local archive ($ARCHIVE) and fetching $COMMIT from github.com/$REPO failed"
    git -C "$tmp/image-promotion-gitops" checkout --quiet FETCH_HEAD
  fi
  [[ -f "$tmp/image-promotion-gitops/apps/backend/pyproject.toml" ]] || die "no apps/backend in the peer's source"
  rm -rf "$DEST/src"
  mv -T "$tmp/image-promotion-gitops" "$DEST/src"
  rm -rf "$tmp"
  trap - EXIT
fi

# The peer's direct dependencies (its pyproject) under the versions of its poetry.lock; a name the lock holds
# twice (environment markers) is left to the resolver.
"$UV" venv --quiet --python python3.11 "$DEST/venv"
python3.11 - "$BACKEND" "$DEST" <<'PY'
import collections, pathlib, sys, tomllib

backend, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
deps = tomllib.loads((backend / "pyproject.toml").read_text())["project"]["dependencies"]
versions = collections.defaultdict(set)
for package in tomllib.loads((backend / "poetry.lock").read_text())["package"]:
    versions[package["name"].lower()].add(package["version"])
pins = [f"{name}=={next(iter(found))}" for name, found in sorted(versions.items()) if len(found) == 1]
(dest / "requirements.in").write_text("\n".join(deps) + "\n")
(dest / "constraints.txt").write_text("\n".join(pins) + "\n")
PY
log "installing the peer's dependencies from PyPI into $DEST/venv"
"$UV" pip install --quiet --python "$DEST/venv/bin/python" -r "$DEST/requirements.in" \
  -c "$DEST/constraints.txt" "${EXTRA[@]}" || die "installing the peer's dependencies failed"
touch "$DEST/venv/.complete"
echo "$DEST"
