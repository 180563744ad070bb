#!/usr/bin/env bash
# Run the whole test suite. pytest's exit code 5 ("no tests collected") is a failure here on purpose:
# an empty run must never pass as green.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

K8S_TESTBIN_DIR="$(scripts/build-k8s-testbin.sh 2>/dev/null)"
export K8S_TESTBIN_DIR

status=0
.venv/bin/pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "[run-tests] pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$status"
