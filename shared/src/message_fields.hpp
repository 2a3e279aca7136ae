// The fields of every payload, listed once for both directions (see message_codecs.hpp).
// v(key, member, rule): rule says a string must be non-empty or one of a set of values.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "strata/messages.hpp"

namespace strata::detail {

struct Rule {
    bool required = false;                             // strings: must not be empty
    const std::vector<std::string>* one_of = nullptr;  // strings: must be one of these
    // May be absent (a field added to a version after the fact): the member keeps its default.
    bool may_be_absent = false;
};
inline Rule required() { return {true, nullptr}; }
inline Rule one_of(const std::vector<std::string>& values) { return {true, &values}; }
inline Rule added(const std::vector<std::string>* values = nullptr) {
    return {false, values, true};
}

inline const std::vector<std::string> kDeployTriggers = {"merge", "manual"};
inline const std::vector<std::string> kPlanTriggers = {"pull_request", "comment", "merge_group"};
inline const std::vector<std::string> kAnyTrigger = {"merge", "manual", "pull_request", "comment",
                                                     "merge_group"};
inline const std::vector<std::string> kJobKinds = {"deploy", "plan", "apply", "discard"};
inline const std::vector<std::string> kDeploymentKinds = {"deploy", "plan"};
inline const std::vector<std::string> kJobStates = {"started",   "planning", "planned", "applying",
                                                    "succeeded", "failed",   "released"};
inline const std::vector<std::string> kRevisionOrders = {"",          "ahead",    "behind",
                                                         "identical", "diverged", "none"};
inline const std::vector<std::string> kDeploymentStates = {
    "queued", "locked",    "planning", "awaiting_review",  "confirmed", "applying", "succeeded",
    "failed", "timed_out", "rejected", "review_timed_out", "cancelled", "skipped"};
inline const std::vector<std::string> kCommentCommands = {"plan", "apply", "unlock", "confirm",
                                                          "reject"};
inline const std::vector<std::string> kCheckRunActions = {"requested_action", "rerequested"};
inline const std::vector<std::string> kReviewRequired = {"auto", "always", "never"};
inline const std::vector<std::string> kRequests = {"deploy", "rerun",  "confirm",
                                                   "reject", "unlock", "plan"};

// ---- shared parts ----
template <class V, class T>
void fields(V& v, T& r) requires std::is_same_v<std::remove_const_t<T>, RepoRef> {
    v("full_name", r.full_name, required());
    v("clone_url", r.clone_url, required());
    v("default_branch", r.default_branch);
    v("installation_id", r.installation_id);
}
template <class V, class T>
void fields(V& v, T& r) requires std::is_same_v<std::remove_const_t<T>, RootRef> {
    v("name", r.name, required());
    v("dir", r.dir, required());
    v("workspace", r.workspace, required());
    v("terraform_version", r.terraform_version);
}
template <class V, class T>
void fields(V& v, T& p) requires std::is_same_v<std::remove_const_t<T>, PlanSummary> {
    v("add", p.add);
    v("change", p.change);
    v("destroy", p.destroy);
    v("replace", p.replace);
    v("import", p.import);
    v("move", p.move);
    v("resources", p.resources);
}
template <class V, class T>
void fields(V& v, T& q) requires std::is_same_v<std::remove_const_t<T>, QueueEntry> {
    v("deployment_id", q.deployment_id, required());
    v("revision", q.revision);
    v("trigger", q.trigger);
}

#define STRATA_FIELDS(Type)     \
    template <class V, class T> \
    void fields(V& v, T& p) requires std::is_same_v<std::remove_const_t<T>, Type>

// ---- events ----
STRATA_FIELDS(PushEvent) {
    v("repo", p.repo);
    v("ref", p.ref, required());
    v("before", p.before, required());
    v("after", p.after, required());
    v("pusher", p.pusher);
    v("forced", p.forced);
}
STRATA_FIELDS(PullRequestEvent) {
    v("repo", p.repo);
    v("action", p.action, required());
    v("number", p.number);
    v("base_ref", p.base_ref, required());
    v("base_sha", p.base_sha, required());
    v("head_ref", p.head_ref);
    v("head_sha", p.head_sha, required());
    v("merged", p.merged);
    v("draft", p.draft);
    v("user", p.user);
}
STRATA_FIELDS(CheckRunEvent) {
    v("repo", p.repo);
    v("action", p.action, one_of(kCheckRunActions));
    v("check_run_id", p.check_run_id);
    v("name", p.name);
    v("external_id", p.external_id);
    v("head_sha", p.head_sha, required());
    v("head_branch", p.head_branch);
    v("identifier", p.identifier);
    v("user", p.user);
}
STRATA_FIELDS(CheckSuiteEvent) {
    v("repo", p.repo);
    v("action", p.action, required());
    v("head_sha", p.head_sha, required());
    v("head_branch", p.head_branch);
    v("user", p.user);
}
STRATA_FIELDS(CommentCommandEvent) {
    v("repo", p.repo);
    v("number", p.number);
    v("comment_id", p.comment_id);
    v("command", p.command, one_of(kCommentCommands));
    v("args", p.args);
    v("user", p.user);
}
STRATA_FIELDS(MergeGroupEvent) {
    v("repo", p.repo);
    v("action", p.action, required());
    v("head_sha", p.head_sha, required());
    v("head_ref", p.head_ref);
    v("base_sha", p.base_sha);
    v("base_ref", p.base_ref);
    v("user", p.user);
}
STRATA_FIELDS(InstallationEvent) {
    v("action", p.action, required());
    v("installation_id", p.installation_id);
    v("account", p.account);
    v("repositories", p.repositories);
    v("user", p.user);
}
STRATA_FIELDS(PingEvent) {
    v("hook_id", p.hook_id);
    v("zen", p.zen);
    v("repository", p.repository);
}

// ---- triggers ----
STRATA_FIELDS(TriggerDeploy) {
    v("repository", p.repository, required());
    v("roots", p.roots);
    v("revision", p.revision);
    v("branch", p.branch);
    v("user", p.user, required());
    v("reason", p.reason);
    v("force", p.force);
}
STRATA_FIELDS(TriggerUnlock) {
    v("repository", p.repository, required());
    v("root", p.root, required());
    v("user", p.user, required());
    v("reason", p.reason);
}
STRATA_FIELDS(TriggerConfirm) {
    v("deployment_id", p.deployment_id);
    v("repository", p.repository);
    v("root", p.root);
    v("user", p.user, required());
    v("reason", p.reason);
}
STRATA_FIELDS(TriggerReject) {
    v("deployment_id", p.deployment_id);
    v("repository", p.repository);
    v("root", p.root);
    v("user", p.user, required());
    v("reason", p.reason);
}

// ---- work ----
STRATA_FIELDS(DeployRequested) {
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision, required());
    v("ref", p.ref);
    v("trigger", p.trigger, one_of(kDeployTriggers));
    v("user", p.user);
    v("upstream_roots", p.upstream_roots);
    v("rerun", p.rerun);
    v("force", p.force);
    v("reason", p.reason);
    // Added later in version 1; absent: today's behaviour (the members' defaults).
    v("review_required", p.review_required, added(&kReviewRequired));
    v("reviewers", p.reviewers, added());
    v("apply_enabled", p.apply_enabled, added());
    v("apply_timeout", p.apply_timeout, added());
}
STRATA_FIELDS(PlanRequested) {
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision, required());
    v("base_revision", p.base_revision);
    v("pull_number", p.pull_number);
    v("head_ref", p.head_ref);
    v("trigger", p.trigger, one_of(kPlanTriggers));
    v("user", p.user);
}
STRATA_FIELDS(PlanCancelled) {
    v("repo", p.repo);
    v("pull_number", p.pull_number);
    v("revision", p.revision);
    v("reason", p.reason);
}
STRATA_FIELDS(ConfigInvalid) {
    v("repo", p.repo);
    v("revision", p.revision, required());
    v("file", p.file, required());
    v("line", p.line);
    v("message", p.message, required());
    v("pull_number", p.pull_number);
}
STRATA_FIELDS(RootDeleted) {
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision, required());
    v("user", p.user);
}
STRATA_FIELDS(RequestRefused) {
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision);
    v("request", p.request, one_of(kRequests));
    v("user", p.user);
    v("reason", p.reason, required());
    v("deployment_id", p.deployment_id);
}
STRATA_FIELDS(JobRun) {
    v("job_id", p.job_id, required());
    v("deployment_id", p.deployment_id, required());
    v("kind", p.kind, one_of(kJobKinds));
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision, required());
    v("fencing_token", p.fencing_token);
    v("last_attempted_revision", p.last_attempted_revision);
    v("pull_number", p.pull_number);
    v("attempt", p.attempt);
    v("apply_timeout", p.apply_timeout, added());
}
STRATA_FIELDS(JobState) {
    v("job_id", p.job_id, required());
    v("deployment_id", p.deployment_id, required());
    v("fencing_token", p.fencing_token);
    v("executor_id", p.executor_id, required());
    v("state", p.state, one_of(kJobStates));
    v("revision_order", p.revision_order, Rule{false, &kRevisionOrders});
    v("plan", p.plan);
    v("detail", p.detail);
}
STRATA_FIELDS(DeploymentState) {
    v("deployment_id", p.deployment_id, required());
    v("seq", p.seq);
    v("repo", p.repo);
    v("root", p.root);
    v("revision", p.revision, required());
    v("kind", p.kind, one_of(kDeploymentKinds));
    v("trigger", p.trigger, one_of(kAnyTrigger));
    v("user", p.user);
    v("state", p.state, one_of(kDeploymentStates));
    v("reason", p.reason);
    v("plan", p.plan);
    v("queue_ahead", p.queue_ahead);
    v("log_url", p.log_url);
    v("updated_at", p.updated_at);
    v("pull_number", p.pull_number);
    v("force", p.force);
    v("revision_order", p.revision_order, Rule{false, &kRevisionOrders});
    v("approved_by", p.approved_by);
    v("approved_at", p.approved_at);
    v("unlocked_by", p.unlocked_by);
    v("started_at", p.started_at);
    v("apply_started_at", p.apply_started_at);
    v("finished_at", p.finished_at);
    v("executor_id", p.executor_id);
}

#undef STRATA_FIELDS

}  // namespace strata::detail
