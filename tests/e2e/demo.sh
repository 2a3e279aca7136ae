#!/usr/bin/env bash
# The README's promise: tools/demo runs the whole pipeline on the bundled sample repository and
# prints the check-run timeline, each of the two changed roots ending completed/success.
#
#   tests/e2e/demo.sh BUILD_DIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out=$(STRATA_BUILD_DIR="$1" "$ROOT/tools/demo" 2>&1) || { echo "$out" >&2; echo "e2e: FAIL: tools/demo exited non-zero" >&2; exit 1; }
for root in app dns; do
    grep -q "strata/deploy: $root  completed/success" <<<"$out" ||
        { echo "$out" >&2; echo "e2e: FAIL: no completed/success check run for $root" >&2; exit 1; }
done
echo "e2e: the demo printed the timeline, app and dns deployed"
