#!/usr/bin/env bash
# Refresh the pinned copy of the unprivileged nginx image's entrypoint (/docker-entrypoint.sh and the scripts
# of /docker-entrypoint.d/) under vendor/nginx-entrypoint/, from nginxinc/docker-nginx-unprivileged at a
# commit. The front end's image test runs these very scripts (tests/userapp/test_frontend_image.py).
#
# Usage: scripts/refresh-nginx-entrypoint.sh <commit> [<local git directory of that repository>]
# Without a local directory it clones the repository from GitHub (needs network access to GitHub).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$HERE/../vendor/nginx-entrypoint"
REPO="nginxinc/docker-nginx-unprivileged"
# The image variant the front end is built FROM (nginx-unprivileged:<x.y.z>-alpine is built on alpine-slim,
# which holds the scripts).
SOURCE_DIR="stable/alpine-slim"
FILES=(docker-entrypoint.sh 10-listen-on-ipv6-by-default.sh 15-local-resolvers.envsh 20-envsubst-on-templates.sh
  30-tune-worker-processes.sh)

usage() { echo "usage: $0 <40-hex commit> [<local git directory of $REPO>]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
commit="$1"
[[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { echo "error: '$commit' is not a 40-hex commit id" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ $# -eq 2 ]]; then
  git_dir="$2"
else
  if ! git clone --quiet --bare --filter=blob:none "https://github.com/$REPO" "$work/src.git" 2>"$work/err"; then
    echo "error: could not clone github.com/$REPO: $(tail -n 1 "$work/err")" >&2
    exit 1
  fi
  git_dir="$work/src.git"
fi
git -C "$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null || { echo "error: $commit is not in $git_dir" >&2; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST/docker-entrypoint.d"
for f in "${FILES[@]}"; do
  if [[ "$f" == docker-entrypoint.sh ]]; then out="$DEST/$f"; else out="$DEST/docker-entrypoint.d/$f"; fi
  git -C "$git_dir" show "$commit:$SOURCE_DIR/$f" >"$out"
  chmod 0755 "$out"
done
last="$(git -C "$git_dir" log -1 --format='%H %cs' "$commit" -- "$SOURCE_DIR/${FILES[0]}" "$SOURCE_DIR/${FILES[1]}" \
  "$SOURCE_DIR/${FILES[2]}" "$SOURCE_DIR/${FILES[3]}" "$SOURCE_DIR/${FILES[4]}")"
printf 'Copied verbatim from github.com/%s, %s/, commit %s (these files last changed in %s).\nLicense: Apache-2.0.\n' \
  "$REPO" "$SOURCE_DIR" "$commit" "$last" >"$DEST/SOURCE.txt"
(cd "$DEST" && sha256sum docker-entrypoint.sh docker-entrypoint.d/* >SHA256SUMS)
echo "refreshed $DEST from $REPO@$commit"
