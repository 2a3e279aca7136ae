#!/usr/bin/env bash
# Checks that the JSON Schemas in schemas/ accept what the C++ code emits (at least one message of
# every type, and ingest's normalisation of every real webhook payload in ../shared/fixtures when
# it is there), and still accept the hand-written samples and reject the negative ones.
#
#   tests/schema/check-emitted.sh BUILD_BIN_DIR
#
# BUILD_BIN_DIR holds strata_emit_samples. Installs tests/schema/node_modules with `npm ci` when
# it is missing (package-lock.json pins ajv). Exits non-zero when any check fails.
set -euo pipefail

die() { echo "check-emitted: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_BIN_DIR" >&2; exit 2; }
BIN=$1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCHEMAS="$ROOT/schemas"
EMIT="$BIN/strata_emit_samples"

[[ -x $EMIT ]] || die "no $EMIT: build the target strata_emit_samples first"
command -v node >/dev/null || die "node is not installed"

if [[ ! -d $HERE/node_modules/ajv || ! -d $HERE/node_modules/ajv-formats ]]; then
    command -v npm >/dev/null || die "tests/schema/node_modules is missing and npm is not installed"
    echo "check-emitted: installing tests/schema/node_modules (npm ci)"
    (cd "$HERE" && npm ci --no-audit --no-fund) || die "npm ci in $HERE failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-emitted-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$EMIT" "$TMP"
# Every message type with a schema must have been emitted at least once, and have a hand-written
# sample. (An emitted or sample file without a schema fails in validate.mjs.)
types=0
for schema in "$SCHEMAS"/*.schema.json; do
    type=$(basename "$schema" .schema.json)
    case $type in common | envelope) continue ;; esac
    types=$((types + 1))
    compgen -G "$TMP/$type.emitted-*.json" >/dev/null ||
        die "strata_emit_samples wrote no $type message (every schema needs an emitted sample)"
    compgen -G "$HERE/samples/$type.*.json" >/dev/null ||
        die "tests/schema/samples has no $type.*.json (every schema needs a hand-written sample)"
done
echo "check-emitted: $types message types, each emitted and sampled"

# What ingest makes of real GitHub payloads: the corpus test writes every normalised message
# (only when ../shared/fixtures is there; it says so otherwise).
mkdir -p "$TMP/corpus"
if [[ -x $BIN/strata_unit_tests ]]; then
    STRATA_NORMALIZED_DUMP_DIR="$TMP/corpus" "$BIN/strata_unit_tests" \
        --gtest_filter='WebhookCorpus*' >"$TMP/corpus.log" 2>&1 ||
        { cat "$TMP/corpus.log" >&2; die "the webhook corpus test failed"; }
fi
corpus=$(find "$TMP/corpus" -name '*.json' | wc -l)

status=0
run() {
    echo "== $*"
    node "$HERE/validate.mjs" "$@" || status=1
}
run "$SCHEMAS" "$TMP"
if ((corpus > 0)); then
    run "$SCHEMAS" "$TMP/corpus"
else
    echo "check-emitted: no normalised corpus messages (../shared/fixtures absent): that check is skipped"
fi
run "$SCHEMAS" "$HERE/samples"
run --expect-invalid "$SCHEMAS" "$HERE/invalid"

if ((status == 0)); then
    echo "check-emitted: schemas accept every emitted message and sample, reject every invalid one"
else
    echo "check-emitted: FAILED (see FAIL lines above)"
fi
exit "$status"
