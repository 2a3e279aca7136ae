#!/usr/bin/env bash
# Executor benchmarks, on private Redis and RabbitMQ, with the executor as a process driven by
# bench/executor_driver.cpp (the scheduler's side of the job protocol):
#
#  (a) overhead per job: a plan job of a root in a 10,000-file repository with a warm mirror,
#      publish -> `planned`, minus the time of the terraform stand-in itself (a no-op script, timed
#      on its own in the same run); baseline: `git worktree add` of the same revision from a warm
#      bare clone, run right after each executor job (interleaved: this machine's load swings).
#  (b) 200 deployments of independent roots (plan, then apply from the executor's own queue) with
#      a stand-in whose plan takes 1 s, drained by 1 executor and by 4: both times and the
#      speed-up (aim: at least 3.6x).
#
#   bench/executor.sh     STRATA_BIN (default build/bin) holds the binaries
#   STRATA_BENCH_JOBS (default 20) jobs for (a); STRATA_BENCH_DEPLOYMENTS (default 200) for (b);
#   STRATA_BENCH_PARTS=a or =b runs one part only. (b) at 200 takes about 5 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${STRATA_BIN:-$ROOT/build/bin}"
DRIVER="$BIN/strata_executor_bench_driver"
for b in "$DRIVER" "$BIN/strata-executor"; do
    [[ -x $b ]] || { echo "executor.sh: no $b: build first" >&2; exit 1; }
done
JOBS=${STRATA_BENCH_JOBS:-20}
DEPLOYMENTS=${STRATA_BENCH_DEPLOYMENTS:-200}
PARTS=${STRATA_BENCH_PARTS:-ab}  # "a", "b" or both
SERVERS="$ROOT/tools/strata-servers"

# Everything (servers, mirrors, work dirs) in tmpfs by default: on a disk shared with other work
# a 10,000-file checkout swings between 1 and 8 s from one run to the next, which would hide what
# is measured. STRATA_BENCH_TMP=/tmp measures with the disk.
BASE=${STRATA_BENCH_TMP:-/dev/shm}
[[ -d $BASE && -w $BASE ]] || BASE=${TMPDIR:-/tmp}
DIR=$(mktemp -d "$BASE/strata-bench-executor.XXXXXX")
echo "executor.sh: working in $DIR"
chmod 755 "$DIR"
EXECUTORS=()
cleanup() {
    local p
    for p in "${EXECUTORS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${EXECUTORS[@]}"; do wait "$p" 2>/dev/null || true; done
    "$SERVERS" stop "$DIR/rabbitmq" >/dev/null 2>&1 || true
    "$SERVERS" stop "$DIR/redis" >/dev/null 2>&1 || true
    [[ -n ${STRATA_BENCH_KEEP:-} ]] || rm -rf "$DIR"
}
trap cleanup EXIT
REDIS_PORT=$("$SERVERS" redis "$DIR/redis" auto)
AMQP_PORT=$("$SERVERS" rabbitmq "$DIR/rabbitmq" auto)
AMQP="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
REDIS="redis://127.0.0.1:$REDIS_PORT"

ms_now() { date +%s%N | cut -c1-16; }  # microseconds
git_in() { git -C "$1" -c user.name=bench -c user.email=bench@example.com "${@:2}"; }

# ---- stand-ins -------------------------------------------------------------------------------
cat >"$DIR/tf-noop" <<'EOF'
#!/bin/sh
[ "$1" = show ] && printf '{"format_version":"1.2","resource_changes":[]}\n'
exit 0
EOF
cat >"$DIR/tf-1s" <<'EOF'
#!/bin/sh
case "$1" in
    plan)
        sleep 1
        for a in "$@"; do case "$a" in -out=*) printf plan >"${a#-out=}" ;; esac; done
        exit 2 ;;
    show)
        printf '{"format_version":"1.2","resource_changes":[{"address":"null_resource.a","change":{"actions":["create"]}}]}\n' ;;
esac
exit 0
EOF
chmod +x "$DIR/tf-noop" "$DIR/tf-1s"

# start_executor ID EXCHANGE TERRAFORM: runs one in the background; its pid in EXECUTORS.
start_executor() {
    local id=$1 port attempt
    for attempt in 1 2 3; do  # a port found free may be taken by the time it listens
        port=$("$SERVERS" free-port)
        start_executor_on "$port" "$@" && return 0
    done
    echo "executor.sh: $id did not start" >&2
    cat "$DIR/$id.log" >&2
    exit 1
}
start_executor_on() {
    local port=$1 id=$2
    shift
    env -i PATH="$PATH" STRATA_AMQP_URL="$AMQP" STRATA_AMQP_EXCHANGE="$2" STRATA_REDIS_URL="$REDIS" \
        STRATA_REDIS_PREFIX="$2" STRATA_EXECUTOR_ID="$id" STRATA_HTTP_PORT="$port" \
        STRATA_CACHE_DIR="$DIR/$id/mirrors" STRATA_WORK_DIR="$DIR/$id/work" \
        STRATA_JOB_LOG_DIR="$DIR/job-logs" STRATA_TERRAFORM_BIN="$3" STRATA_LOG_LEVEL=${STRATA_BENCH_LOG_LEVEL:-warn} \
        "$BIN/strata-executor" >>"$DIR/$id.log" 2>&1 &
    local pid=$! deadline=$((SECONDS + 30))
    until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)) || { wait "$pid" 2>/dev/null; return 1; }
        sleep 0.05
    done
    EXECUTORS+=("$pid")
}
stop_executors() {
    local p
    for p in "${EXECUTORS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${EXECUTORS[@]}"; do wait "$p" 2>/dev/null || true; done
    EXECUTORS=()
}

# ---- (a) overhead per job, 10,000-file repository ---------------------------------------------
if [[ $PARTS == *a* ]]; then
BIG="$DIR/big"
mkdir -p "$BIG/root"
for ((d = 0; d < 100; d++)); do
    mkdir -p "$BIG/src/d$d"
    for ((f = 0; f < 100; f++)); do echo "file $d/$f" >"$BIG/src/d$d/f$f.txt"; done
done
printf 'resource "null_resource" "a" {}\n' >"$BIG/root/main.tf"
git_in "$BIG" init -q -b main
git_in "$BIG" add -A
git_in "$BIG" commit -qm "10,000 files"
REV=$(git_in "$BIG" rev-parse HEAD)
files=$(git_in "$BIG" ls-files | wc -l)

# Baseline: git worktree add of the same revision from a warm bare clone, run by the driver right
# after each executor job, so that both are measured under the same load.
git clone -q --mirror "$BIG" "$DIR/big-mirror.git"
git --git-dir="$DIR/big-mirror.git" worktree add -q --detach "$DIR/wt-warm" "$REV"  # warms it
start_executor exec-a bench-a "$DIR/tf-noop"
out=$(STRATA_BENCH_WORK_DIR="$DIR/exec-a/work" \
    STRATA_BENCH_BASELINE="git --git-dir='$DIR/big-mirror.git' worktree add -q --detach '$DIR/wt-{i}' $REV" \
    "$DRIVER" overhead "$AMQP" bench-a "$REDIS" bench-a "file://$BIG" "$REV" root "$JOBS")
stop_executors
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $out"; }
mean=$(field mean_ms)
median=$(field median_ms)
wt_mean=$(field baseline_mean_ms)
wt_median=$(field baseline_median_ms)

# The stand-in's own time per job: init, plan, show, as the executor runs them.
mkdir -p "$DIR/noop-cwd"
t0=$(ms_now)
for ((i = 0; i < JOBS; i++)); do
    (cd "$DIR/noop-cwd" && "$DIR/tf-noop" init && "$DIR/tf-noop" plan && "$DIR/tf-noop" show >/dev/null)
done
noop=$(awk -v a="$t0" -v b="$(ms_now)" -v n="$JOBS" 'BEGIN { printf "%.1f", (b - a) / 1000 / n }')

awk -v mean="$mean" -v median="$median" -v noop="$noop" -v wtm="$wt_mean" -v wtd="$wt_median" \
    -v files="$files" -v n="$JOBS" 'BEGIN {
    printf "(a) executor, plan job of a %d-file repository, warm mirror (%d jobs): %.1f ms mean, %.1f ms median from job.run to planned\n", files, n, mean, median
    printf "    terraform stand-in (init, plan, show of a no-op script), timed alone:  %.1f ms\n", noop
    printf "    executor overhead per job (everything but terraform):                 %.1f ms mean, %.1f ms median\n", mean - noop, median - noop
    printf "    baseline: git worktree add of the same revision, warm bare clone,\n"
    printf "    run after each job (same load):                                        %.1f ms mean, %.1f ms median\n", wtm, wtd
    printf "    ratio overhead/baseline: %.2f (mean), %.2f (median)\n", (mean - noop) / wtm, (median - noop) / wtd
}'
fi

# ---- (b) 200 deployments, 1 executor against 4 ---------------------------------------------
[[ $PARTS == *b* ]] || exit 0
SMALL="$DIR/small"
for ((i = 1; i <= DEPLOYMENTS; i++)); do
    mkdir -p "$SMALL/r$i"
    printf 'resource "null_resource" "r%d" {}\n' "$i" >"$SMALL/r$i/main.tf"
done
git_in "$SMALL" init -q -b main
git_in "$SMALL" add -A
git_in "$SMALL" commit -qm "roots"
SREV=$(git_in "$SMALL" rev-parse HEAD)

start_executor exec-one bench-one "$DIR/tf-1s"
out=$("$DRIVER" drain "$AMQP" bench-one "$REDIS" bench-one "file://$SMALL" "$SREV" r "$DEPLOYMENTS")
one=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
stop_executors
for i in 1 2 3 4; do start_executor "exec-four-$i" bench-four "$DIR/tf-1s"; done
out=$("$DRIVER" drain "$AMQP" bench-four "$REDIS" bench-four "file://$SMALL" "$SREV" r "$DEPLOYMENTS")
four=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
stop_executors

awk -v one="$one" -v four="$four" -v n="$DEPLOYMENTS" 'BEGIN {
    printf "(b) %d deployments of independent roots, terraform stand-in plan takes 1 s (plan + apply each):\n", n
    printf "    1 executor:  %.1f s (%.2f s per deployment)\n", one, one / n
    printf "    4 executors: %.1f s (%.2f s per deployment)\n", four, four / n
    printf "    speed-up 4 executors/1 executor: %.2fx (aim: 3.6x)\n", one / four
}'
