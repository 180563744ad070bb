#!/usr/bin/env bash
# Run the whole test suite. pytest's exit code 5 ("no tests collected") is a failure here on purpose:
# an empty run must never pass as green.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

K8S_TESTBIN_DIR="$(scripts/build-k8s-testbin.sh 2>/dev/null)"
export K8S_TESTBIN_DIR
KARGO_ORACLE_DIR="$(scripts/build-kargo-oracle.sh)"
export KARGO_ORACLE_DIR

# The front end first: its unit and component tests (Vitest), then its production build, which the browser
# test serves through nginx. A failure stops the run. FRONTEND_TESTS=auto (the default) runs them unless the
# arguments select test paths (`scripts/run-tests.sh tests/dashboard/test_x.py`); 1 always, 0 never.
frontend="${FRONTEND_TESTS:-auto}"
if [[ $frontend == auto ]]; then
  frontend=1
  for arg in "$@"; do
    if [[ -e ${arg%%::*} ]]; then frontend=0; fi
  done
fi
case "$frontend" in
  1)
    make --no-print-directory setup-frontend frontend-build
    (cd userapp/frontend && npm test -- --run)
    ;;
  0) ;;
  *)
    echo "[run-tests] FRONTEND_TESTS must be auto, 1 or 0 (got '$frontend')" >&2
    exit 2
    ;;
esac

# Test files run in parallel (pytest-xdist), each file whole on one worker (--dist loadfile): a module's
# fixtures (a lab, a cluster) are started once, as in a serial run. Most of the suite waits on real servers,
# so three workers keep two cores busy. PYTEST_WORKERS=0 runs serially (no xdist), e.g. to debug one test.
workers="${PYTEST_WORKERS:-3}"
if [[ ! $workers =~ ^[0-9]+$ ]]; then
  echo "[run-tests] PYTEST_WORKERS must be a whole number of workers, 0 for a serial run (got '$workers')" >&2
  exit 2
fi
parallel=()
if ((workers > 0)); then parallel=(-n "$workers" --dist loadfile); fi

status=0
.venv/bin/pytest "${parallel[@]}" "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "[run-tests] pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$status"
