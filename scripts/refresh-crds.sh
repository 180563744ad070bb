#!/usr/bin/env bash
# Refresh the pinned CRDs under vendor/crds/ from a project's tag on GitHub (needs network access to GitHub).
#
# Usage: scripts/refresh-crds.sh kargo|argocd|argo-rollouts <tag>
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST_ROOT="$HERE/../vendor/crds"

usage() { echo "usage: $0 kargo|argocd|argo-rollouts <tag, e.g. v1.11.2>" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
project="$1" tag="$2"
[[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "error: '$tag' is not a release tag like v1.2.3" >&2; exit 2; }

case "$project" in
  kargo) repo=akuity/kargo; dir=charts/kargo/resources/crds; files=() ;;
  argocd) repo=argoproj/argo-cd; dir=manifests/crds; files=(application-crd.yaml appproject-crd.yaml) ;;
  argo-rollouts) repo=argoproj/argo-rollouts; dir=manifests/crds
    files=(analysis-run-crd.yaml analysis-template-crd.yaml cluster-analysis-template-crd.yaml) ;;
  *) usage ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! git clone --quiet --depth 1 --branch "$tag" --filter=blob:none --sparse \
    "https://github.com/$repo" "$work/src" 2>"$work/err"; then
  echo "error: could not clone github.com/$repo at $tag: $(tail -n 1 "$work/err")" >&2
  exit 1
fi
git -C "$work/src" sparse-checkout set "$dir" >/dev/null
commit="$(git -C "$work/src" rev-parse HEAD)"

dest="$DEST_ROOT/$project/$tag"
rm -rf "$dest"
mkdir -p "$dest"
if ((${#files[@]} == 0)); then
  cp "$work/src/$dir"/*.yaml "$dest/"
else
  for f in "${files[@]}"; do cp "$work/src/$dir/$f" "$dest/"; done
fi
printf 'Copied from github.com/%s, %s/, tag %s (commit %s). License: Apache-2.0.\n' \
  "$repo" "$dir" "$tag" "$commit" >"$dest/SOURCE.txt"
echo "refreshed $dest from $repo@$tag ($commit)"
