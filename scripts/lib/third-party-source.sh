#!/usr/bin/env bash
# Sourced by the build scripts of Kargo and Argo CD: bring a pinned third-party source tree into the cache
# (not run directly).
#
# Where GitHub is reachable the tag is cloned and its commit checked; where it is not (this project's CI
# machine), a local source archive is unpacked instead: THIRD_PARTY_DIR (default: ../shared/third_party beside
# the checkout) holds <name>-<tag>-src.tar.gz, which unpacks into <name>-<tag>/.
#
# third_party_source NAME REPO TAG COMMIT DEST  ->  DEST holds the source tree; prints DEST.
# Unpacks or clones into a temporary folder first and renames it into place, so an interrupted run never leaves
# half a tree, and two builds racing for the same tree both end with a whole one.
#
# The pins and the Go builds of the two trees live here too, once: the lab's builds (build-kargo.sh,
# build-lab.sh, build-lab-uis.sh, build-kargo-oracle.sh) use them.
# shellcheck disable=SC2034  # the pins are used by the scripts that source this file

KARGO_TAG="v1.11.2"
KARGO_COMMIT="20c56384dc3aa29911368fa9c0916e8f4a541252"
ARGOCD_TAG="v3.5.1"
ARGOCD_COMMIT="109ca7ca71139e514114499d294a492e7910a965"

# go_build_kargo SRC PACKAGE OUT: go build ./PACKAGE of a Kargo tree into OUT, with the ldflags Kargo's own image
# build stamps (pkg/x/version).
go_build_kargo() {
  local src="$1" package="$2" out="$3" pkg=github.com/akuity/kargo/pkg/x/version
  (cd "$src" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X $pkg.version=${KARGO_TAG#v} -X $pkg.gitCommit=$KARGO_COMMIT -X $pkg.gitTreeState=clean" \
    -o "$out" "./$package")
}

# go_build_argocd SRC OUT: go build ./cmd of an Argo CD tree (its multi-call binary) into OUT, with the ldflags
# Argo CD's Makefile stamps (common/). The tree's ui/dist/app must exist: server/ embeds it.
go_build_argocd() {
  local src="$1" out="$2" pkg=github.com/argoproj/argo-cd/v3/common
  (cd "$src" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X $pkg.version=${ARGOCD_TAG#v} -X $pkg.gitTag=$ARGOCD_TAG -X $pkg.gitCommit=$ARGOCD_COMMIT \
      -X $pkg.gitTreeState=clean" -o "$out" ./cmd)
}

# install_argocd SRC BIN: go_build_argocd into a temporary file beside BIN, moved onto BIN only once it built, so
# that an interrupted build never leaves a partial binary the cache would then trust.
install_argocd() {
  local src="$1" bin="$2" tmp
  mkdir -p "$(dirname "$bin")"
  tmp="$(mktemp "$(dirname "$bin")/.argocd.XXXXXX")"
  if ! go_build_argocd "$src" "$tmp"; then
    rm -f "$tmp"
    return 1
  fi
  chmod 0755 "$tmp"
  mv "$tmp" "$bin"
}

third_party_source() {
  local name="$1" repo="$2" tag="$3" commit="$4" dest="$5"
  if [[ -f "$dest/go.mod" ]]; then
    echo "$dest"
    return 0
  fi
  local root archive tmp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  archive="${THIRD_PARTY_DIR:-$root/../shared/third_party}/${name}-${tag}-src.tar.gz"
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp -d "$(dirname "$dest")/.src.XXXXXX")"
  if [[ -f "$archive" ]]; then
    printf '[third-party] unpacking %s\n' "$archive" >&2
    if ! tar -xzf "$archive" -C "$tmp"; then
      rm -rf "$tmp"
      printf '[third-party] error: could not unpack %s\n' "$archive" >&2
      return 1
    fi
    mv "$tmp/${name}-${tag}" "$tmp/tree"
  else
    printf '[third-party] no archive at %s; cloning https://github.com/%s at %s\n' "$archive" "$repo" "$tag" >&2
    if ! git clone --quiet --depth 1 --branch "$tag" "https://github.com/$repo" "$tmp/tree"; then
      rm -rf "$tmp"
      printf '[third-party] error: %s %s: no local archive (%s) and cloning github.com/%s failed\n' \
        "$name" "$tag" "$archive" "$repo" >&2
      return 1
    fi
    local got
    got="$(git -C "$tmp/tree" rev-parse HEAD)"
    if [[ "$got" != "$commit" ]]; then
      rm -rf "$tmp"
      printf '[third-party] error: %s tag %s is commit %s, expected %s\n' "$repo" "$tag" "$got" "$commit" >&2
      return 1
    fi
  fi
  if ! mv -T "$tmp/tree" "$dest" 2>/dev/null && [[ ! -f "$dest/go.mod" ]]; then
    rm -rf "$tmp"
    printf '[third-party] error: could not move the %s source into %s\n' "$name" "$dest" >&2
    return 1
  fi
  rm -rf "$tmp"
  echo "$dest"
}
