#!/usr/bin/env bash
# Sourced by the build scripts (not run): one build of a cache folder at a time. Without it, two builds at once
# (a `make test` beside a `make demo`, or two helpers) write the same temporary file and one of them fails.
#
# hold_build_lock DIR WHAT: wait, at most BUILD_LOCK_WAIT seconds (default 3600: a cold build of the slowest
# binary, several times over), for any other build of DIR to end, then hold DIR/.build.lock until the script
# exits. Call it before looking in the cache, so the second build finds what the first one made.

hold_build_lock() {
  local dir="$1" what="$2" wait="${BUILD_LOCK_WAIT:-3600}"
  mkdir -p "$dir"
  exec {BUILD_LOCK_FD}>"$dir/.build.lock"
  if flock -n "$BUILD_LOCK_FD"; then
    return 0
  fi
  printf '[build-lock] another build of %s is running: waiting up to %s s for it to finish (%s)\n' \
    "$what" "$wait" "$dir/.build.lock" >&2
  if ! flock -w "$wait" "$BUILD_LOCK_FD"; then
    printf '[build-lock] error: the other build of %s still holds %s after %s s\n' "$what" "$dir/.build.lock" \
      "$wait" >&2
    exit 1
  fi
}
