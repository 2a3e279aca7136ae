#!/usr/bin/env bash
# End to end: a root whose terraform plan fails ends in a failed check run, and does not stop
# another root of the same commit from deploying.
#
#   tests/e2e/failing_plan.sh BUILD_BIN_DIR
#
# Starts the pipeline with tools/strata-dev in a temporary directory, builds a Git repository with
# two roots, `good` and `broken` (its .fake-terraform says fail=plan), changes both in a second
# commit, sends the push webhook and waits for two completed check runs. Asserts that `broken`
# went queued -> in_progress -> completed/failure with the plan error in the check run's summary
# and was never applied, and that `good` went queued -> in_progress -> completed/success.
# The stack is always stopped on exit; on failure the daemons' logs are printed and the directory
# is kept for a look.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin failing-plan "${1:-}"
command -v jq >/dev/null || die "jq is needed to read the recorded requests"

# ---- the repository: a root that plans and one whose plan fails ----------------------------------
mkdir -p "$REPO"/{good,broken}
for root in good broken; do
    cat >"$REPO/$root/main.tf" <<EOF
resource "null_resource" "$root" {
  triggers = { version = "1" }
}
EOF
done
printf 'changes=1\n' >"$REPO/good/.fake-terraform"
printf '# the terraform test double fails this root'"'"'s plan\nchanges=1\nfail=plan\n' \
    >"$REPO/broken/.fake-terraform"
git_in init -q -b main
git_in add -A
git_in commit -qm "two roots"
sed -i 's/version = "1"/version = "2"/' "$REPO/good/main.tf" "$REPO/broken/main.tf"
git_in commit -qam "bump both roots"

# ---- the pipeline ----------------------------------------------------------------------------
"$DEV" up --dir "$STACK" --bin "$BIN"
code=$("$DEV" push --dir "$STACK" --repo "$REPO" --name acme/infra)
[[ $code == 202 ]] || die "ingest answered the push webhook with $code, expected 202"
"$DEV" wait --dir "$STACK" --completed 2 --timeout 120 || die "the check runs did not complete"
echo "---- check runs, as the GitHub test double received them"
"$DEV" timeline --dir "$STACK"

TIMELINE="$STACK/fake-api/check-runs.log"
REQUESTS="$STACK/fake-api/requests.jsonl"

statuses() {
    awk -v name="strata/deploy: $1" -F '  ' '$2 == name { print $3 }' "$TIMELINE" | uniq | paste -sd' ' -
}

seen=$(statuses broken)
[[ $seen == "queued in_progress completed/failure" ]] ||
    die "check run of broken went: ${seen:-<none>}; expected: queued in_progress completed/failure"
seen=$(statuses good)
[[ $seen == "queued in_progress completed/success" ]] ||
    die "check run of good went: ${seen:-<none>}; expected: queued in_progress completed/success"

# The failed check run says why; the broken root was planned but never applied; good was applied.
summary=$(jq -r 'select(.method == "PATCH" and .body.conclusion == "failure") | .body.output.summary' "$REQUESTS")
[[ $summary == *"terraform plan failed"* ]] ||
    die "the failed check run's summary does not give the plan error: ${summary:-<none>}"
[[ $summary == *"fail=plan"* ]] ||
    die "the failed check run's summary does not carry terraform's error output: $summary"
grep -q '/broken plan' "$STACK/terraform-calls.log" || die "terraform plan never ran in broken"
if grep -q '/broken apply' "$STACK/terraform-calls.log"; then die "terraform apply ran in broken"; fi
grep -q '/good apply' "$STACK/terraform-calls.log" || die "terraform apply never ran in good"

echo "e2e: 1 root deployed, 1 failed as expected (plan error on its check run) ($((SECONDS - START))s)"
