#!/usr/bin/env bash
# Planner: changed-root detection for a 10-file push to a generated monorepo (5,000 roots and
# 100,000 files; --large: 50,000 roots and 1,000,000 files), timed three ways in the same run by
# bench/planner_driver.cpp: the planner on a warm mirror, against (a) `git diff --name-only`
# plus matching and (b) a fresh `git clone --depth 5` (file://) then the diff, which is what the
# peers do per event. Prints all three and the ratios. Loopback only; bounded in time.
#   bench/planner.sh [--large]      STRATA_BIN (default build/bin) holds strata-planner-bench
# Works in $TMPDIR, else /dev/shm when writable (a disk under other load makes (b)'s checkout
# of 100,000 files take minutes and its clean-up more; tmpfs only makes the baseline faster).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${STRATA_BIN:-$ROOT/build/bin}"
DRIVER="$BIN/strata-planner-bench"
[[ -x $DRIVER ]] || { echo "planner.sh: no $DRIVER: build first" >&2; exit 1; }
command -v git >/dev/null || { echo "planner.sh: git is missing" >&2; exit 1; }

ROOTS=5000 FILES=100000 ITERATIONS=50 CLONES=2
if [[ ${1:-} == --large ]]; then
    ROOTS=50000 FILES=1000000 ITERATIONS=20 CLONES=1
fi
SCRATCH=${TMPDIR:-/tmp}
[[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]] && SCRATCH=/dev/shm
DIR=$(mktemp -d "$SCRATCH/strata-bench-planner.XXXXXX")
echo "planner.sh: working in $DIR"
trap 'rm -rf "$DIR"' EXIT
timeout 1800 "$DRIVER" "$DIR" "$ROOTS" "$FILES" "$ITERATIONS" "$CLONES"
