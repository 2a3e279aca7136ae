#!/usr/bin/env bash
# End to end, faults: an executor killed with SIGKILL in the middle of a job, on the real
# pipeline (tools/strata-dev, two executors, short leases), TRIALS times each, back to back:
#
#   mid-plan   the deployment is planned again by the other executor and completes (succeeded),
#              applied exactly once;
#   mid-apply  the deployment becomes timed_out within the lease timeout (plus one sweep) and is
#              never applied again.
#
#   tests/e2e/executor_faults.sh BUILD_BIN_DIR [TRIALS]     (TRIALS: default 20)
#
# The killed executor's terraform (its own process group, which would outlive it) is killed too,
# as when its machine goes away; the executor is started again (same id) after each trial, so
# every trial has two. Prints the trial counts; exits non-zero unless every trial passed.
set -euo pipefail

die() { echo "e2e: FAIL: $*" >&2; exit 1; }

[[ $# -ge 1 ]] || { echo "usage: $0 BUILD_BIN_DIR [TRIALS]" >&2; exit 2; }
BIN="$(cd "$1" && pwd)"
TRIALS=${2:-20}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEV="$ROOT/tools/strata-dev"
command -v redis-cli >/dev/null || die "redis-cli is needed"

# Short leases for everyone (strata-dev hands STRATA_* variables to every daemon).
LEASE_MS=2000
SWEEP_MS=300
export STRATA_LEASE_TIMEOUT=${LEASE_MS}ms STRATA_SWEEP_INTERVAL=${SWEEP_MS}ms
export STRATA_HEARTBEAT_INTERVAL=300ms STRATA_KILL_GRACE=1s

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-e2e-faults.XXXXXX")
chmod 755 "$WORK"
STACK="$WORK/stack"
REPO="$WORK/infra"
START=$SECONDS

cleanup() {
    local rc=$?
    kill_orphans "$STACK" 2>/dev/null || true
    "$DEV" down --dir "$STACK" >/dev/null 2>&1 || true
    if ((rc != 0)); then
        local log
        for log in "$STACK"/logs/{scheduler,executor}.log; do
            [[ -f $log ]] || continue
            echo "---- tail of $log" >&2
            tail -n 30 "$log" >&2
        done
        echo "e2e: kept $WORK for a look" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# Processes whose working directory is under $1 (terraform runs in the job's root directory).
pids_in() {
    local p cwd
    for p in /proc/[0-9]*; do
        cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
        [[ $cwd == "$1"* ]] && echo "${p#/proc/}"
    done
    return 0
}
kill_orphans() { local p; for p in $(pids_in "$1"); do kill -KILL "$p" 2>/dev/null || true; done; }

git_in() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@example.com "$@"; }

# ---- a root per trial: p<k> is killed while planning, a<k> while applying ------------------------
mkdir -p "$REPO"
for ((k = 1; k <= TRIALS; k++)); do
    mkdir -p "$REPO/p$k" "$REPO/a$k"
    printf 'resource "null_resource" "p" {}\n' >"$REPO/p$k/main.tf"
    printf 'changes=1\ndelay_plan=1.5\n' >"$REPO/p$k/.fake-terraform"
    printf 'resource "null_resource" "a" {}\n' >"$REPO/a$k/main.tf"
    printf 'changes=1\ndelay_apply=5\n' >"$REPO/a$k/.fake-terraform"
done
git_in init -q -b main
git_in add -A
git_in commit -qm "roots"  # never pushed: nothing deploys until a trial changes its root

"$DEV" up --dir "$STACK" --bin "$BIN" --executors 2 >/dev/null
# shellcheck disable=SC1091
. "$STACK/stack.env"
REDIS_PORT=${STRATA_REDIS_URL##*:}
rc() { redis-cli -p "$REDIS_PORT" --raw "$@"; }
CALLS="$STACK/terraform-calls.log"
touch "$CALLS"

executor_pid() {  # executor-N -> pid
    local f pid
    for f in "$STACK"/pids/executor.*.pid; do
        pid=$(cat "$f")
        if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "STRATA_EXECUTOR_ID=$1"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Kills executor-N and its terraform with SIGKILL; keeps its environment to start it again.
kill_executor() {
    local id=$1 pid
    pid=$(executor_pid "$id") || die "no running $id"
    tr '\0' '\n' <"/proc/$pid/environ" >"$WORK/$id.env"
    kill -KILL "$pid"
    kill_orphans "$STACK/$id/work"
    rm -f "$STACK/pids/executor.$pid.pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

restart_executor() {
    local id=$1 port
    mapfile -t env <"$WORK/$id.env"
    env -i "${env[@]}" "$BIN/strata-executor" >>"$STACK/logs/executor.log" 2>&1 &
    echo $! >"$STACK/pids/executor.$!.pid"
    disown
    port=$(printf '%s\n' "${env[@]}" | sed -n 's/^STRATA_HTTP_PORT=//p')
    local deadline=$((SECONDS + 30))
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
        ((SECONDS < deadline)) || die "$id did not come back"
        sleep 0.05
    done
}

# Commits a change to root $1 and pushes it; prints the deployment id once it is in flight.
deploy() {
    local root=$1 before
    before=$(git_in rev-parse HEAD)
    echo "# $(date +%s%N)" >>"$REPO/$root/main.tf"
    git_in commit -qam "change $root"
    local code
    code=$("$DEV" push --dir "$STACK" --repo "$REPO" --name acme/infra --before "$before")
    [[ $code == 202 ]] || die "ingest answered $code to the push of $root"
    local dep="" deadline=$((SECONDS + 30))
    while [[ -z $dep ]]; do
        dep=$(rc GET "strata:root:acme/infra||$root:inflight")
        ((SECONDS < deadline)) || die "no deployment of $root left the queue"
        [[ -n $dep ]] || sleep 0.05
    done
    echo "$dep"
}

# Waits until terraform's step $2 runs in root $1; prints the executor running it.
wait_step() {
    local root=$1 step=$2 line deadline=$((SECONDS + 30))
    while :; do
        line=$(grep -E "/checkout/$root $step " "$CALLS" | tail -1 || true)
        [[ -n $line ]] && break
        ((SECONDS < deadline)) || die "terraform $step never ran in $root"
        sleep 0.02
    done
    sed -E 's#.*/(executor-[0-9]+)/work/.*#\1#' <<<"$line"
}

state_of() { rc HGET "strata:dep:$1" state; }

wait_final() {  # deployment, expected state, timeout s
    local dep=$1 want=$2 deadline=$((SECONDS + $3)) s
    while :; do
        s=$(state_of "$dep")
        case $s in succeeded | failed | timed_out | rejected | cancelled | skipped) break ;; esac
        ((SECONDS < deadline)) || break
        sleep 0.05
    done
    [[ $s == "$want" ]] || { echo "state $s" >&2; return 1; }
}

count() { grep -cE "/checkout/$1 $2 " "$CALLS" || true; }

plan_ok=0
for ((k = 1; k <= TRIALS; k++)); do
    root="p$k"
    dep=$(deploy "$root")
    victim=$(wait_step "$root" plan)
    kill_executor "$victim"
    if ! wait_final "$dep" succeeded 60; then
        echo "mid-plan trial $k: deployment $dep of $root did not succeed" >&2
    else
        plans=$(count "$root" plan)
        applies=$(count "$root" apply)
        by=$(grep -E "/checkout/$root apply " "$CALLS" | sed -E 's#.*/(executor-[0-9]+)/work/.*#\1#')
        if ((plans >= 2 && applies == 1)) && [[ $by != "$victim" ]]; then
            plan_ok=$((plan_ok + 1))
        else
            echo "mid-plan trial $k: $plans plans, $applies applies (by $by, killed $victim)" >&2
        fi
    fi
    restart_executor "$victim"
done
echo "executor killed mid-plan: $plan_ok of $TRIALS trials planned again elsewhere and succeeded, applied once"

apply_ok=0
worst_ms=0
for ((k = 1; k <= TRIALS; k++)); do
    root="a$k"
    dep=$(deploy "$root")
    victim=$(wait_step "$root" apply)
    killed_ms=$(date +%s%3N)
    kill_executor "$victim"
    if ! wait_final "$dep" timed_out 60; then
        echo "mid-apply trial $k: deployment $dep of $root did not time out" >&2
    else
        took=$(($(date +%s%3N) - killed_ms))
        ((took > worst_ms)) && worst_ms=$took
        sleep 0.5  # time for a wrong second apply to show up
        applies=$(count "$root" apply)
        final=$(state_of "$dep")
        # timed_out within the lease timeout, plus a sweep and a renewal interval of slack
        if ((applies == 1 && took <= LEASE_MS + 2 * SWEEP_MS + 1000)) && [[ $final == timed_out ]]; then
            apply_ok=$((apply_ok + 1))
        else
            echo "mid-apply trial $k: $applies applies, timed_out after ${took}ms, now $final" >&2
        fi
    fi
    restart_executor "$victim"
done
echo "executor killed mid-apply: $apply_ok of $TRIALS trials timed_out (slowest ${worst_ms}ms after the kill; lease timeout ${LEASE_MS}ms) and were not applied again"

((plan_ok == TRIALS && apply_ok == TRIALS)) || die "not every trial passed"
echo "e2e: $((2 * TRIALS)) fault trials passed ($((SECONDS - START))s)"
