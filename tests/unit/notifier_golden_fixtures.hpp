// The deployment states the golden check-run files render: one realistic deploy of
// acme/infra's root `network` (and pull-request plans of it), at fixed times, so the rendered
// Markdown never changes by itself. Shared by notifier_golden_test.cpp and the check-run tests.
#pragma once

#include <string>
#include <vector>

#include "strata/messages.hpp"

namespace strata::notifier::golden {

inline const std::string kDeploymentId = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
inline const std::string kRevision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";

inline PlanSummary plan_summary() {
    PlanSummary p;
    p.add = 2;
    p.change = 1;
    p.destroy = 0;
    p.resources = {"+ aws_s3_bucket.logs", "+ aws_s3_bucket_policy.logs",
                   "~ aws_iam_role.deployer"};
    return p;
}

inline DeploymentState base() {
    DeploymentState s;
    s.deployment_id = kDeploymentId;
    s.seq = 1;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {"network", "envs/prod/network", "default", ""};
    s.revision = kRevision;
    s.kind = "deploy";
    s.trigger = "manual";
    s.user = "octocat";
    s.state = "queued";
    s.log_url = "https://strata.example/jobs/" + kDeploymentId;
    s.updated_at = "2026-11-20T22:41:50.120Z";
    return s;
}

// The deploy's state after `state`, with everything it would carry by then.
inline DeploymentState deploy(const std::string& state) {
    auto s = base();
    s.state = state;
    const bool left_queue = state != "queued" && state != "locked";
    const bool planned = left_queue && state != "planning";
    const bool after_review = state == "confirmed" || state == "applying" || state == "succeeded" ||
                              state == "timed_out" || state == "failed";
    if (left_queue) {
        s.started_at = "2026-11-20T22:41:51.004Z";
        s.executor_id = "executor-2";
        s.revision_order = "ahead";
    }
    if (planned) s.plan = plan_summary();
    if (after_review) {
        s.approved_by = {"hubot"};
        s.approved_at = "2026-11-20T22:44:03.500Z";
    }
    if (state == "applying" || state == "succeeded" || state == "timed_out" || state == "failed")
        s.apply_started_at = "2026-11-20T22:44:04.020Z";
    if (state == "succeeded" || state == "failed" || state == "timed_out" || state == "rejected" ||
        state == "review_timed_out" || state == "cancelled" || state == "skipped")
        s.finished_at = "2026-11-20T22:45:12.250Z";
    if (state == "failed")
        s.reason =
            "Error: creating S3 Bucket (acme-logs): BucketAlreadyExists: The requested bucket name "
            "is not available.\n\n  with aws_s3_bucket.logs,\n  on main.tf line 12, in resource "
            "\"aws_s3_bucket\" \"logs\":\n  12: resource \"aws_s3_bucket\" \"logs\" {";
    if (state == "cancelled") s.reason = "superseded by a newer manual deploy of the same revision";
    if (state == "skipped") s.reason = "upstream root `iam` failed to deploy this revision";
    return s;
}

inline QueueEntry ahead(const std::string& id, const std::string& revision,
                        const std::string& trigger) {
    return {id, revision, trigger};
}

// A pull request's plan of the root.
inline DeploymentState pr_plan(const std::string& state) {
    auto s = base();
    s.kind = "plan";
    s.trigger = "pull_request";
    s.pull_number = 42;
    s.state = state;
    if (state != "queued") {
        s.started_at = "2026-11-20T22:41:51.004Z";
        s.executor_id = "executor-1";
    }
    if (state == "succeeded") s.plan = plan_summary();
    if (state == "succeeded" || state == "failed") s.finished_at = "2026-11-20T22:42:30.000Z";
    if (state == "failed")
        s.reason =
            "Error: Unsupported argument\n\n  on main.tf line 4, in module \"vpc\":\n   4:   "
            "cidr_block = \"10.0.0.0/16\"";
    return s;
}

}  // namespace strata::notifier::golden
