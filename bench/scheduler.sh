#!/usr/bin/env bash
# Scheduler throughput: enqueue -> dispatch decisions per second for 1,000 independent roots
# (bench/scheduler_driver.cpp: the scheduler's own Lua transitions, outbox rendering and removal,
# 32 in flight on one connection, no broker), against the raw rate of redis-benchmark running a
# comparable EVALSHA (push onto a root's queue, pop it, INCR its fence, write the deployment hash,
# append to an outbox stream; 1,000 roots, 32 clients) on the same private Redis in the same run.
# Both alternate STRATA_BENCH_REPEAT times (default 3); medians are printed, with Redis' own time
# per script (INFO commandstats), which a loaded machine distorts less than rates.
#   bench/scheduler.sh          STRATA_BIN (default build/bin) holds the driver
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${STRATA_BIN:-$ROOT/build/bin}"
DRIVER="$BIN/strata_scheduler_bench_driver"
[[ -x $DRIVER ]] || { echo "scheduler.sh: no $DRIVER: build first" >&2; exit 1; }
command -v redis-benchmark >/dev/null || { echo "scheduler.sh: redis-benchmark is missing" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-scheduler.XXXXXX")
trap '"$ROOT/tools/strata-servers" stop "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
PORT=$("$ROOT/tools/strata-servers" free-port)
"$ROOT/tools/strata-servers" redis "$DIR" "$PORT" >/dev/null

ROOTS=1000 ROUNDS=${STRATA_BENCH_ROUNDS:-5} REPEAT=${STRATA_BENCH_REPEAT:-3}
CLI=(redis-cli -p "$PORT")
SCRIPT="local R = 'raw:' .. ARGV[1]
redis.call('RPUSH', R .. ':queue', ARGV[1])
local id = redis.call('LPOP', R .. ':queue')
local fence = redis.call('INCR', R .. ':fence')
redis.call('HSET', R .. ':dep', 'state', 'queued', 'fence', fence, 'job_id', id .. ':' .. fence)
redis.call('XADD', 'raw:outbox', 'MAXLEN', '~', '10000', '*', 'm', id)
return fence"

# Redis' own time per EVALSHA since the last reset (microseconds; independent of client load).
evalsha_usec() {
    "${CLI[@]}" INFO commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p'
}

# The two runs alternate REPEAT times on the same Redis (a shared machine's load drifts); the
# median of each is reported.
rates=() raws=() ratios=() usecs=() raw_usecs=()
for ((i = 1; i <= REPEAT; i++)); do
    "${CLI[@]}" FLUSHALL >/dev/null
    "${CLI[@]}" CONFIG RESETSTAT >/dev/null
    out=$(timeout 300 "$DRIVER" "redis://127.0.0.1:$PORT" "$ROOTS" "$ROUNDS" 32 2>/dev/null)
    usecs+=("$(evalsha_usec)")
    transitions=$(sed -n 's/.*transitions=\([0-9]*\).*/\1/p' <<<"$out")
    dispatches=$(sed -n 's/.*dispatches=\([0-9]*\).*/\1/p' <<<"$out")
    seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
    rate=$(awk -v t="$transitions" -v s="$seconds" 'BEGIN { printf "%.0f", t / s }')

    SHA=$("${CLI[@]}" SCRIPT LOAD "$SCRIPT")
    "${CLI[@]}" CONFIG RESETSTAT >/dev/null
    raw=$(timeout 300 redis-benchmark -p "$PORT" -c 32 -n 200000 -r "$ROOTS" -q \
        EVALSHA "$SHA" 0 __rand_int__ 2>/dev/null | tr '\r' '\n' |
        sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1)
    raw_usecs+=("$(evalsha_usec)")
    ratio=$(awk -v a="$rate" -v b="$raw" 'BEGIN { printf "%.3f", a / b }')
    printf 'run %d: scheduler %s transitions/s (%d transitions, %d dispatches, %.2f s), baseline %.0f EVALSHA/s, ratio %s\n' \
        "$i" "$rate" "$transitions" "$dispatches" "$seconds" "$raw" "$ratio"
    rates+=("$rate") raws+=("$raw") ratios+=("$ratio")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf 'scheduler transitions (enqueue/job state -> dispatch decision), %d roots: %.0f/s (median of %d)\n' \
    "$ROOTS" "$(median "${rates[@]}")" "$REPEAT"
printf 'baseline: redis-benchmark EVALSHA (queue push+pop, fence INCR, hash, outbox XADD): %.0f/s\n' \
    "$(median "${raws[@]}")"
printf 'ratio scheduler/baseline: %s (median of the per-run ratios)\n' "$(median "${ratios[@]}")"
printf 'Redis time per script: scheduler %s us, baseline %s us (median, INFO commandstats)\n' \
    "$(median "${usecs[@]}")" "$(median "${raw_usecs[@]}")"
