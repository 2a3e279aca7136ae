# Shared set-up of the end-to-end scripts; source it, then call e2e_begin.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   e2e_begin NAME BUILD_BIN_DIR [REPO_SUBPATH]
#
# Sets BIN (the build's bin dir), ROOT (the checkout), DEV (tools/strata-dev), WORK (a fresh
# directory the rabbitmq user can reach), STACK (WORK/stack, for strata-dev up), REPO
# (WORK/REPO_SUBPATH, default "infra") and START (SECONDS at the start). On exit the stack is
# stopped; on failure the check-run timeline and the tail of each daemon's log are printed and
# WORK is kept for a look, else removed. die MESSAGE fails the test; git_in runs git in REPO.

die() { echo "e2e: FAIL: $*" >&2; exit 1; }

git_in() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@example.com "$@"; }

e2e_cleanup() {
    local rc=$?
    "$DEV" down --dir "$STACK" >/dev/null 2>&1 || true
    if ((rc != 0)); then
        echo "---- check-run timeline" >&2
        cat "$STACK/fake-api/check-runs.log" >&2 2>/dev/null || true
        local log
        for log in "$STACK"/logs/*.log; do
            [[ -f $log ]] || continue
            echo "---- tail of $log" >&2
            tail -n 25 "$log" >&2
        done
        echo "e2e: kept $WORK for a look" >&2
    else
        rm -rf "$WORK"
    fi
}

e2e_begin() {
    local name=$1
    [[ $# -ge 2 && -d $2 ]] || { echo "usage: $0 BUILD_BIN_DIR" >&2; exit 2; }
    BIN="$(cd "$2" && pwd)"
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    DEV="$ROOT/tools/strata-dev"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-e2e-$name.XXXXXX")
    chmod 755 "$WORK"  # run as root, RabbitMQ runs as user rabbitmq and must reach its dir here
    STACK="$WORK/stack"
    REPO="$WORK/${3:-infra}"
    START=$SECONDS
    trap e2e_cleanup EXIT
}
