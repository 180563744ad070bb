#!/usr/bin/env bash
# Create the talk's demo branches in a clone of this repository (the speaker's fork): one branch per
# scenario of demo/scenarios/ (NN-name/change.patch + NN-name/message), named demo/NN-name, each one commit
# on top of the previous scenario's branch (so they are cumulative), the first on top of the base branch.
#
# Commits are built with a private index (git apply --cached + commit-tree): the working tree, the index
# and the checked-out branch are never touched. Idempotent: a branch that already holds its scenario on
# top of the right parent is left alone; a stale one (the base moved) is rebuilt.
#
# Usage: scripts/demo-branches.sh [--repo PATH] [--base BRANCH] [--push REMOTE] [--scenarios DIR]
#   --repo PATH      the repository to create the branches in (default: this checkout)
#   --base BRANCH    what the first scenario builds on (default: main)
#   --push REMOTE    then push every demo branch to REMOTE (forced: the branches belong to this script)
#   --scenarios DIR  where the scenarios are (default: demo/scenarios of this checkout)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$here"
base="main"
remote=""
scenarios="$here/demo/scenarios"

log() { printf '[demo-branches] %s\n' "$*" >&2; }
die() {
  printf '[demo-branches] error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '10,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

while (($# > 0)); do
  case "$1" in
    --repo | --base | --push | --scenarios)
      if (($# < 2)) || [[ -z "$2" ]]; then die "$1 needs a value"; fi
      case "$1" in
        --repo) repo="$2" ;;
        --base) base="$2" ;;
        --push) remote="$2" ;;
        --scenarios) scenarios="$2" ;;
      esac
      shift 2
      ;;
    -h | --help) usage 0 ;;
    *)
      printf '[demo-branches] error: unknown option %q\n' "$1" >&2
      usage 2
      ;;
  esac
done

command -v git >/dev/null 2>&1 || die "git is required but not installed"
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo is not a git repository (use --repo PATH)"
repo="$(cd "$repo" && pwd)"
scenarios="$(cd "$scenarios" 2>/dev/null && pwd)" || die "no scenarios directory: $scenarios"
parent="$(git -C "$repo" rev-parse --verify --quiet "$base^{commit}")" ||
  die "base branch '$base' does not exist in $repo (use --base BRANCH)"
if [[ -n "$remote" ]]; then
  git -C "$repo" remote get-url "$remote" >/dev/null 2>&1 || die "no git remote named '$remote' in $repo"
fi

shopt -s nullglob
dirs=("$scenarios"/[0-9][0-9]-*/)
((${#dirs[@]} > 0)) || die "no scenarios (NN-name/ directories) in $scenarios"

# commit-tree needs an identity; a fresh clone may have none.
if ! git -C "$repo" config user.name >/dev/null || ! git -C "$repo" config user.email >/dev/null; then
  export GIT_AUTHOR_NAME="Demo" GIT_AUTHOR_EMAIL="demo@example.com"
  export GIT_COMMITTER_NAME="Demo" GIT_COMMITTER_EMAIL="demo@example.com"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_INDEX_FILE="$work/index"
current="$(git -C "$repo" symbolic-ref --quiet HEAD || true)"

log "base: $base ($(git -C "$repo" rev-parse --short "$parent")), repository: $repo"
branches=()
for dir in "${dirs[@]}"; do
  name="$(basename "$dir")"
  branch="demo/$name"
  [[ -f "$dir/change.patch" && -s "$dir/message" ]] || die "scenario $name needs change.patch and message"
  rm -f "$GIT_INDEX_FILE"
  git -C "$repo" read-tree "$parent"
  git -C "$repo" apply --cached --whitespace=nowarn "$dir/change.patch" 2>"$work/apply.log" ||
    die "scenario $name does not apply on $(git -C "$repo" log -1 --format='%h %s' "$parent"):
$(cat "$work/apply.log")"
  tree="$(git -C "$repo" write-tree)"
  existing="$(git -C "$repo" rev-parse --verify --quiet "refs/heads/$branch" || true)"
  if [[ -n "$existing" ]] &&
    [[ "$(git -C "$repo" rev-parse "$existing^{tree}")" == "$tree" ]] &&
    [[ "$(git -C "$repo" rev-parse --verify --quiet "$existing^" || true)" == "$parent" ]] &&
    [[ "$(git -C "$repo" log -1 --format=%B "$existing")" == "$(git stripspace <"$dir/message")" ]]; then
    log "$branch: up to date ($(git -C "$repo" rev-parse --short "$existing"))"
    parent="$existing"
  else
    [[ "$current" != "refs/heads/$branch" ]] ||
      die "$branch is checked out in $repo and would be rebuilt: switch to another branch first"
    commit="$(git -C "$repo" commit-tree "$tree" -p "$parent" -F "$dir/message")"
    git -C "$repo" update-ref -m "demo-branches: $name" "refs/heads/$branch" "$commit" "${existing:-}"
    log "$branch: ${existing:+re}created ($(git -C "$repo" log -1 --format='%h %s' "$commit"))"
    parent="$commit"
  fi
  branches+=("refs/heads/$branch:refs/heads/$branch")
done

if [[ -n "$remote" ]]; then
  log "pushing ${#branches[@]} branches to $remote"
  git -C "$repo" push --force --quiet "$remote" "${branches[@]}"
fi
log "done: ${#branches[@]} demo branches"
