#!/usr/bin/env bash
# Browser: the live log page (GET /jobs/<deployment id> on ingest) in headless Chromium, while a
# job prints: lines appear live, the end shows, the stored log is served afterwards.
#
#   tests/browser/live_log_page.sh BUILD_BIN_DIR
#
# Starts the pipeline with tools/strata-dev, pushes a change to a root whose terraform (the test
# double) keeps printing until a file exists, opens the page with live_log_page.mjs and lets the
# job finish from there. Needs chromium and node; installs playwright-core (no browser download)
# into tests/browser/node_modules when missing.
set -euo pipefail

die() { echo "browser: FAIL: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_BIN_DIR" >&2; exit 2; }
BIN="$(cd "$1" && pwd)"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEV="$ROOT/tools/strata-dev"
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || die "chromium is not installed (tools/install-deps)"
if [[ ! -d $HERE/node_modules/playwright-core ]]; then
    (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund \
        --loglevel=error) || die "installing playwright-core"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-browser.XXXXXX")
chmod 755 "$WORK"
STACK="$WORK/stack"
REPO="$WORK/infra"
cleanup() {
    local rc=$?
    "$DEV" down --dir "$STACK" >/dev/null 2>&1 || true
    if ((rc != 0)); then
        for log in "$STACK"/logs/{ingest,executor,scheduler}.log; do
            [[ -f $log ]] && { echo "---- tail of $log" >&2; tail -n 20 "$log" >&2; }
        done
        echo "browser: kept $WORK for a look" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

git_in() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@example.com "$@"; }
mkdir -p "$REPO/app"
printf 'resource "null_resource" "app" {}\n' >"$REPO/app/main.tf"
printf 'changes=1\ntick=0.2\nwait_file=%s\n' "$WORK/go" >"$REPO/app/.fake-terraform"
git_in init -q -b main
git_in add -A
git_in commit -qm "app"
echo "# v2" >>"$REPO/app/main.tf"
git_in commit -qam "change app"

"$DEV" up --dir "$STACK" --bin "$BIN" >/dev/null
# shellcheck disable=SC1091
. "$STACK/stack.env"
code=$("$DEV" push --dir "$STACK" --repo "$REPO" --name acme/infra)
[[ $code == 202 ]] || die "ingest answered the push with $code"
dep="" deadline=$((SECONDS + 30))
until [[ -n $dep ]]; do
    dep=$(redis-cli -p "${STRATA_REDIS_URL##*:}" --raw GET "strata:root:acme/infra||app:inflight")
    ((SECONDS < deadline)) || die "the deployment never left the queue"
    [[ -n $dep ]] || sleep 0.05
done
echo "browser: opening ${STRATA_JOB_LOG_URL}$dep"
node "$HERE/live_log_page.mjs" "${STRATA_JOB_LOG_URL}$dep" "$WORK/go"
echo "browser: the live log page follows a running job in Chromium"
