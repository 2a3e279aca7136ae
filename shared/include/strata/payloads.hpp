// Payloads of the pipeline's work messages (planner -> scheduler -> executors -> notifier). The
// JSON field names are the member names; schemas/ holds the schema of each type.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct RepoRef {
    std::string full_name;  // "acme/infra"
    std::string clone_url;
    std::string default_branch;
    long long installation_id = 0;  // 0: none
};

struct RootRef {
    std::string name;
    std::string dir;
    std::string workspace = "default";
    std::string terraform_version;  // "" = default binary
};

struct PlanSummary {
    int add = 0, change = 0, destroy = 0, replace = 0, import = 0, move = 0;
    std::vector<std::string> resources;  // addresses with their action, e.g. "+ aws_s3_bucket.a"
    bool has_changes() const { return add + change + destroy + replace + import + move > 0; }
};

// deploy.requested: planner -> scheduler, one per root to deploy at a default-branch revision.
struct DeployRequested {
    static constexpr std::string_view kType = "deploy.requested";
    static constexpr int kVersion = 1;
    RepoRef repo;
    RootRef root;
    std::string revision;
    std::string ref;
    std::string trigger;  // "merge" | "manual"
    std::string user;
    std::vector<std::string> upstream_roots;  // roots of the same revision that must deploy first
    bool rerun = false;                       // a re-run of a check run or suite (manual)
    bool force = false;  // manual deploy asked to skip the revision-order check
    std::string reason;  // why a person asked for it
    // The root's settings in the repository's config (strata.yaml review/apply, docs/
    // repo-config.md) at this revision. The scheduler combines them with its own per-root policy,
    // the operator's being the floor (docs/scheduler.md). Absent in older messages: the defaults.
    std::string review_required = "auto";  // "auto" | "always" | "never"
    std::vector<std::string> reviewers;    // logins or org/team; empty = no restriction
    bool apply_enabled = true;             // false: plan only, never apply
    std::string apply_timeout;             // "" = the executor's default; else "45m", "90s"...
};

// plan.requested: planner -> scheduler, one per root a pull request (or merge group) touches.
// Plans take no lock and run concurrently.
struct PlanRequested {
    static constexpr std::string_view kType = "plan.requested";
    static constexpr int kVersion = 1;
    RepoRef repo;
    RootRef root;
    std::string revision;       // head commit
    std::string base_revision;  // merge base the diff was taken from
    long long pull_number = 0;  // 0 for a merge group
    std::string head_ref;
    std::string trigger;  // "pull_request" | "comment" | "merge_group"
    std::string user;
};

// plan.cancelled: planner -> scheduler: drop pending plans of a pull request (closed, or a
// newer head supersedes them).
struct PlanCancelled {
    static constexpr std::string_view kType = "plan.cancelled";
    static constexpr int kVersion = 1;
    RepoRef repo;
    long long pull_number = 0;
    std::string revision;  // "" = every plan of the pull request
    std::string reason;
};

// config.invalid: planner -> notifier: the repository's root config could not be used.
struct ConfigInvalid {
    static constexpr std::string_view kType = "config.invalid";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string revision;
    std::string file;  // "strata.yaml"
    int line = 0;      // 0 when unknown
    std::string message;
    long long pull_number = 0;
};

// root.deleted: planner -> notifier: a root's directory was removed by the commit; reported,
// not planned.
struct RootDeleted {
    static constexpr std::string_view kType = "root.deleted";
    static constexpr int kVersion = 1;
    RepoRef repo;
    RootRef root;
    std::string revision;
    std::string user;
};

// request.refused: scheduler -> notifier: a request was dropped or refused, with the reason,
// so the requester hears of it (duplicate manual deploy, rerun of an older revision, a confirm
// from someone not allowed, ...).
struct RequestRefused {
    static constexpr std::string_view kType = "request.refused";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string root;
    std::string revision;
    std::string request;  // "deploy" | "rerun" | "confirm" | "reject" | "unlock" | "plan"
    std::string user;
    std::string reason;
    std::string deployment_id;  // the deployment concerned, when there is one
};

// job.run: scheduler -> executors (protocol: docs/job-protocol.md). "deploy" and "plan" go to
// the shared work queue; "apply" and "discard" (of a held plan) to the queue of the executor
// holding it (routing key job.run.<executor id>).
struct JobRun {
    static constexpr std::string_view kType = "job.run";
    static constexpr int kVersion = 1;
    std::string job_id;
    std::string deployment_id;
    // "deploy": plan and hold the plan | "plan": pull-request plan | "apply": the held plan |
    // "discard": drop the held plan and its work dir (rejected, review timed out)
    std::string kind;
    RepoRef repo;
    RootRef root;
    std::string revision;
    long long fencing_token = 0;
    std::string last_attempted_revision;  // "" when none; the executor reports the order
    long long pull_number = 0;
    int attempt = 1;
    // The root's apply.timeout from strata.yaml ("" = the executor's default), e.g. "45m": the
    // longest terraform apply may run. Carried by every job of a deployment.
    std::string apply_timeout;
};

// job.state: executor -> scheduler, every step of a job. Carries the job's fencing token; the
// scheduler refuses a stale one.
struct JobState {
    static constexpr std::string_view kType = "job.state";
    static constexpr int kVersion = 1;
    std::string job_id;
    std::string deployment_id;
    long long fencing_token = 0;
    std::string executor_id;
    // started: recorded and leased | planning | planned: plan held (deploy) or done (plan) |
    // applying | succeeded | failed | released: handed back unstarted at shutdown
    std::string state;
    std::string revision_order;  // with "planning": ahead | behind | identical | diverged | none
    std::optional<PlanSummary> plan;
    std::string detail;  // error text or output tail, secrets redacted
};

struct QueueEntry {
    std::string deployment_id;
    std::string revision;
    std::string trigger;
};

// deployment.state: scheduler -> notifier, every state change of a deployment (or plan).
struct DeploymentState {
    static constexpr std::string_view kType = "deployment.state";
    static constexpr int kVersion = 1;
    std::string deployment_id;
    long long seq = 0;  // increases with every change of this deployment
    RepoRef repo;
    RootRef root;
    std::string revision;
    std::string kind;  // "deploy" | "plan"
    std::string trigger;
    std::string user;
    // queued | locked (waiting for Unlock) | planning | awaiting_review | confirmed | applying |
    // succeeded | failed | timed_out | rejected | review_timed_out | cancelled | skipped
    std::string state;
    std::string reason;
    std::optional<PlanSummary> plan;
    std::vector<QueueEntry> queue_ahead;
    std::string log_url;
    std::string updated_at;
    long long pull_number = 0;
    bool force = false;
    std::string revision_order;            // as the executor found it ("" before)
    std::vector<std::string> approved_by;  // who confirmed
    std::string approved_at;
    std::string unlocked_by;
    std::string started_at;        // first left the queue
    std::string apply_started_at;  // "" when no apply ran
    std::string finished_at;
    std::string executor_id;
};

}  // namespace strata
