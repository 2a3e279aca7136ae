#!/usr/bin/env bash
# End to end: a signed push webhook becomes one GitHub check run per changed root.
#
#   tests/e2e/push_to_check_runs.sh BUILD_BIN_DIR
#
# Starts the whole pipeline with tools/strata-dev (RabbitMQ, Redis, the five daemons, the
# GitHub test double, fake-terraform) in a temporary directory, builds a Git repository with three
# roots (network, app, dns) and a local module, commits a change to app and dns, sends the push
# webhook and waits for two completed check runs. Then asserts, from what the GitHub test double
# recorded, that:
#   - each changed root's check run went queued -> in_progress -> completed/success, in that order;
#   - the unchanged root (network) has no check run and terraform never ran in it;
#   - every GitHub API call carried an Authorization header.
# The stack is always stopped on exit; on failure the daemons' logs are printed and the directory
# is kept for a look.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin push "${1:-}"
command -v jq >/dev/null || die "jq is needed to read the recorded requests"

# ---- the repository: three roots and a module ---------------------------------------------------
mkdir -p "$REPO"/{network,app,dns,modules/vpc}
cat >"$REPO/modules/vpc/main.tf" <<'EOF'
variable "cidr" {
  type = string
}

resource "null_resource" "vpc" {
  triggers = { cidr = var.cidr }
}
EOF
cat >"$REPO/network/main.tf" <<'EOF'
module "vpc" {
  source = "../modules/vpc"
  cidr   = "10.20.0.0/16"
}
EOF
cat >"$REPO/app/main.tf" <<'EOF'
resource "null_resource" "app" {
  triggers = { version = "1" }
}
EOF
printf 'changes=2\n' >"$REPO/app/.fake-terraform"
cat >"$REPO/dns/main.tf" <<'EOF'
resource "null_resource" "zone" {
  triggers = { name = "example.internal" }
}
EOF
printf 'changes=1\nupdate=1\n' >"$REPO/dns/.fake-terraform"
git_in init -q -b main
git_in add -A
git_in commit -qm "initial infrastructure"
sed -i 's/version = "1"/version = "2"/' "$REPO/app/main.tf"
sed -i 's/"example.internal"/"example.test"/' "$REPO/dns/main.tf"
git_in commit -qam "bump app, rename zone"
REVISION=$(git_in rev-parse HEAD)

# ---- the pipeline ----------------------------------------------------------------------------
"$DEV" up --dir "$STACK" --bin "$BIN"
code=$("$DEV" push --dir "$STACK" --repo "$REPO" --name acme/infra)
[[ $code == 202 ]] || die "ingest answered the push webhook with $code, expected 202"
"$DEV" wait --dir "$STACK" --completed 2 --timeout 120 || die "the check runs did not complete"
echo "---- check runs, as the GitHub test double received them"
"$DEV" timeline --dir "$STACK"

TIMELINE="$STACK/fake-api/check-runs.log"
REQUESTS="$STACK/fake-api/requests.jsonl"

# The statuses of one check run in the order GitHub received them, repeats collapsed:
# "queued in_progress completed/success".
statuses() {
    awk -v name="strata/deploy: $1" -F '  ' '$2 == name { print $3 }' "$TIMELINE" | uniq | paste -sd' ' -
}

deployed=0 failed=0
for root in app dns; do
    seen=$(statuses "$root")
    if [[ $seen == "queued in_progress completed/success" ]]; then
        deployed=$((deployed + 1))
    else
        failed=$((failed + 1))
        echo "e2e: check run of $root went: ${seen:-<none>}; expected: queued in_progress completed/success" >&2
    fi
done
((failed == 0)) || die "$failed of 2 changed roots did not go queued -> in_progress -> completed/success"

# The unchanged root: no check run, and terraform never ran in it.
seen=$(statuses network)
[[ -z $seen ]] || die "the unchanged root network got a check run: $seen"
if grep -q '/network ' "$STACK/terraform-calls.log" 2>/dev/null; then
    die "terraform ran in the unchanged root network: $(grep '/network ' "$STACK/terraform-calls.log" | head -3)"
fi
# Both changed roots were planned and applied at the pushed revision.
for root in app dns; do
    grep -q "/$root apply" "$STACK/terraform-calls.log" || die "terraform apply never ran in $root"
done

# Every GitHub call carried an Authorization header; each check run was created for the revision.
github_calls=$(jq -c 'select(.path | startswith("/repos/") or startswith("/app/"))' "$REQUESTS" | wc -l)
((github_calls >= 6)) || die "only $github_calls GitHub calls recorded (expected a create and updates per root)"
without_auth=$(jq -c 'select((.path | startswith("/repos/") or startswith("/app/")) and .authorization != "present")
    | {method, path, status}' "$REQUESTS")
[[ -z $without_auth ]] || die "GitHub calls without an Authorization header: $without_auth"
rejected=$(jq -c 'select((.path | startswith("/repos/")) and .status >= 300) | {method, path, status}' "$REQUESTS")
[[ -z $rejected ]] || die "the GitHub test double rejected calls: $rejected"
wrong_sha=$(jq -r --arg sha "$REVISION" 'select(.method == "POST" and (.path | endswith("/check-runs")))
    | select(.body.head_sha != $sha) | .body.name' "$REQUESTS")
[[ -z $wrong_sha ]] || die "check runs created for another revision than $REVISION: $wrong_sha"

echo "e2e: $deployed roots deployed, $failed failed; unchanged root untouched; $github_calls GitHub calls, all authorised ($((SECONDS - START))s)"
