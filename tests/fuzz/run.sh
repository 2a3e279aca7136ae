#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) and runs each for
# a bounded time; exits non-zero, printing the input, when one finds a crash, a sanitizer report,
# a hang or a leak. Registered with ctest (FuzzTargetsRunCleanForABoundedTime), so CI runs it.
#   tests/fuzz/run.sh [BUILD_DIR]        default BUILD_DIR: build-fuzz beside the sources
#   STRATA_FUZZ_SECONDS=N                seconds per target (default 20)
#   STRATA_FUZZ_TARGETS="fuzz_a ..."     only those (default: every target in TARGETS below)
# Needs clang and libclang-rt-14-dev (Debian; tools/install-deps installs them).
# Targets, their seeds and dictionaries: the TARGETS table below and tests/fuzz/README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${1:-$ROOT/build-fuzz}"
SECONDS_EACH="${STRATA_FUZZ_SECONDS:-20}"

for tool in clang clang++; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (tools/install-deps)" >&2; exit 1; }
done

# The targets: name, seed directory (tests/fuzz/seeds/<dir>), dictionary, max input length.
# Adding one: a line here and its strata_fuzz_target() in tests/fuzz/CMakeLists.txt.
TARGETS=(
    "fuzz_http_request http http.dict 16384"
    "fuzz_webhook_normalize normalize webhook.dict 65536"
    "fuzz_planner_hcl planner_hcl planner_hcl.dict 65536"
)
# STRATA_FUZZ_TARGETS="fuzz_a fuzz_b" runs only those.
if [[ -n ${STRATA_FUZZ_TARGETS:-} ]]; then
    selected=()
    for entry in "${TARGETS[@]}"; do
        [[ " $STRATA_FUZZ_TARGETS " == *" ${entry%% *} "* ]] && selected+=("$entry")
    done
    TARGETS=("${selected[@]}")
fi
names=()
for entry in "${TARGETS[@]}"; do names+=("${entry%% *}"); done

# Only the targets are built: each compiles just the sources it exercises (CMakeLists.txt).
echo "== building ${names[*]} in $BUILD"
mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON -DSTRATA_TESTS=OFF -DSTRATA_BENCH=OFF \
    -DSTRATA_SANITIZE=address,undefined,fuzzer-no-link >"$BUILD/fuzz-configure.log" 2>&1 ||
    { tail -n 40 "$BUILD/fuzz-configure.log" >&2; exit 1; }
cmake --build "$BUILD" -j"${STRATA_JOBS:-2}" --target "${names[@]}" \
    >"$BUILD/fuzz-build.log" 2>&1 || { tail -n 40 "$BUILD/fuzz-build.log" >&2; exit 1; }

WORK=$(mktemp -d /tmp/strata-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for entry in "${TARGETS[@]}"; do
    read -r target seeds _ <<<"$entry"
    mkdir -p "$WORK/$target"
    cp "$HERE/seeds/$seeds"/* "$WORK/$target/"
done
# The GitHub corpus as extra seeds of the webhook target: the first byte picks the event (see
# webhook_normalize_fuzzer.cpp).
CORPUS="$ROOT/../shared/fixtures/github-webhooks"
if [[ -d $WORK/fuzz_webhook_normalize && -d $CORPUS ]]; then
    i=0
    for event in push pull_request check_run check_suite issue_comment merge_group installation ping; do
        for f in "$CORPUS/$event"/*.json; do
            [[ -e $f ]] || continue
            { printf "\\x$(printf %02x "$i")"; cat "$f"; } >"$WORK/fuzz_webhook_normalize/$event-$(basename "$f")"
        done
        i=$((i + 1))
    done
fi

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
run() {
    local target=$1 dict=$2 max_len=$3
    echo "== $target for ${SECONDS_EACH}s"
    if ! "$BUILD/bin/$target" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
        -max_len="$max_len" -dict="$HERE/$dict" -print_final_stats=1 \
        -artifact_prefix="$WORK/$target-" "$WORK/$target" >"$WORK/$target.log" 2>&1; then
        tail -n 60 "$WORK/$target.log" >&2
        for artifact in "$WORK/$target-"*; do
            [[ -e $artifact ]] || continue
            echo "---- $artifact (base64):" >&2
            base64 -w 0 "$artifact" >&2
            echo >&2
        done
        status=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "$WORK/$target.log" || true
    fi
}
for entry in "${TARGETS[@]}"; do
    read -r target _ dict max_len <<<"$entry"
    run "$target" "$dict" "$max_len"
done
exit $status
