#!/usr/bin/env bash
# End to end: a deploy triggered with the strata CLI, without GitHub, through the whole pipeline.
#
#   tests/e2e/manual_trigger.sh BUILD_BIN_DIR
#
# Starts the pipeline with tools/strata-dev (RabbitMQ, Redis, the five daemons, the GitHub test
# double, fake-terraform), with the planner fetching repositories from a local directory. Then,
# using only the strata CLI:
#   strata deploy --repo acme/infra --root app   -> the plan runs and waits for review (a manual
#                                                   deploy always does): check run action_required;
#   strata status                                -> shows the deployment awaiting review and the
#                                                   queue locked by the manual deploy;
#   strata confirm --repo acme/infra --root app  -> the apply runs: check run success;
#   strata unlock --repo acme/infra --root app   -> status shows the queue unlocked.
# The other root (network) is never touched. The stack is always stopped on exit; on failure the
# daemons' logs are printed and the directory is kept for a look.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin trigger "${1:-}" repos/acme/infra

# ---- the repository: two roots -----------------------------------------------------------------
mkdir -p "$REPO"/{network,app}
cat >"$REPO/network/main.tf" <<'EOF'
resource "null_resource" "vpc" {
  triggers = { cidr = "10.20.0.0/16" }
}
EOF
cat >"$REPO/app/main.tf" <<'EOF'
resource "null_resource" "app" {
  triggers = { version = "1" }
}
EOF
printf 'changes=1\n' >"$REPO/app/.fake-terraform"
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
git -C "$REPO" -c user.name=e2e -c user.email=e2e@example.com commit -qm "initial infrastructure"
REVISION=$(git -C "$REPO" rev-parse HEAD)

# ---- the pipeline; the CLI reads the stack's addresses from STRATA_* ---------------------------
STRATA_CLONE_URL_TEMPLATE="file://$WORK/repos/{repo}" "$DEV" up --dir "$STACK" --bin "$BIN"
# shellcheck disable=SC1091
. "$STACK/stack.env"
export STRATA_AMQP_URL STRATA_REDIS_URL
TIMELINE="$STACK/fake-api/check-runs.log"
strata() { "$BIN/strata" --user e2e-operator "$@"; }

# Waits until the check run of root $1 reached status $2 (e.g. completed/success).
wait_for() {
    local deadline=$((SECONDS + 120))
    while ((SECONDS < deadline)); do
        awk -v name="strata/deploy: $1" -v want="$2" -F '  ' \
            '$2 == name && $3 == want { found = 1 } END { exit !found }' "$TIMELINE" 2>/dev/null &&
            return 0
        sleep 0.2
    done
    die "the check run of $1 did not reach $2 within 120 s"
}

out=$(strata deploy --repo acme/infra --root app --reason "e2e: manual deploy") ||
    die "strata deploy failed: $out"
echo "$out"
wait_for app completed/action_required

status=$(strata status --repo acme/infra) || die "strata status failed: $status"
echo "$status"
grep -q 'awaiting_review' <<<"$status" || die "status does not show the deployment awaiting review"
grep -q 'locked by e2e-operator' <<<"$status" || die "status does not show the queue locked by the manual deploy"
grep -q "${REVISION:0:12}" <<<"$status" || die "status does not show the revision ${REVISION:0:12}"

out=$(strata confirm --repo acme/infra --root app --reason "e2e: plan looks right") ||
    die "strata confirm failed: $out"
echo "$out"
wait_for app completed/success
grep -q '/app apply' "$STACK/terraform-calls.log" || die "terraform apply never ran in app"

out=$(strata unlock --repo acme/infra --root app) || die "strata unlock failed: $out"
echo "$out"
deadline=$((SECONDS + 30))
until status=$(strata status --repo acme/infra --root app) && ! grep -q 'locked by' <<<"$status"; do
    ((SECONDS < deadline)) || die "the queue of app is still locked after strata unlock: $status"
    sleep 0.2
done
echo "$status"

# The other root was never touched.
if awk -F '  ' '$2 == "strata/deploy: network"' "$TIMELINE" | grep -q .; then
    die "the untouched root network got a check run"
fi
if grep -q '/network ' "$STACK/terraform-calls.log" 2>/dev/null; then
    die "terraform ran in network"
fi
echo "---- check runs, as the GitHub test double received them"
cat "$TIMELINE"
echo "e2e: strata deploy -> review -> strata confirm -> applied; status and unlock as expected ($((SECONDS - START))s)"
