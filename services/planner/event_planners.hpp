// From one decoded message to its Outcome, on a worker thread with the repository's mirror
// fetched as fetch_request() asked (see RepoWorkers). Each published message's id is derived
// from (the cause's id, the root, the revision), so a redelivered message publishes the same
// ids again and the consumers' idempotency makes that a no-op.
#pragma once

#include "repo_work.hpp"
#include "strata/git.hpp"
#include "strata/messages.hpp"

namespace strata::planner {

struct PlannerSettings {
    std::string clone_url_template = "https://github.com/{repo}.git";
    bool plan_drafts = true;  // plan draft pull requests too
};

// "https://github.com/{repo}.git" + "acme/infra" -> "https://github.com/acme/infra.git".
std::string clone_url_for(const std::string& url_template, const std::string& repo);

// What each message needs from the mirror (repo, url and token are filled in by the caller).
MirrorRequest fetch_request(const PushEvent& e);
MirrorRequest fetch_request(const PullRequestEvent& e);
MirrorRequest fetch_request(const CommentCommandEvent& e);
MirrorRequest fetch_request(const MergeGroupEvent& e);
MirrorRequest fetch_request(const CheckRunEvent& e);
MirrorRequest fetch_request(const CheckSuiteEvent& e);
MirrorRequest fetch_request(const TriggerDeploy& e);

// deploy.requested (and root.deleted, config.invalid, request.refused).
Outcome plan_push(RepoContext& ctx, const Message<PushEvent>& m);
Outcome plan_check_run(RepoContext& ctx, const Message<CheckRunEvent>& m);
Outcome plan_check_suite(RepoContext& ctx, const Message<CheckSuiteEvent>& m);
// repo: the RepoRef to publish with (clone URL from the template, installation if known); its
// default_branch is filled in from the mirror when empty.
Outcome plan_trigger(RepoContext& ctx, const Message<TriggerDeploy>& m, RepoRef repo);

// plan.requested (and plan.cancelled, config.invalid, request.refused).
Outcome plan_pull_request(RepoContext& ctx, const Message<PullRequestEvent>& m,
                          const PlannerSettings& settings);
Outcome cancel_pull_request(const Message<PullRequestEvent>& m);  // closed; needs no mirror
Outcome plan_comment(RepoContext& ctx, const Message<CommentCommandEvent>& m);
Outcome plan_merge_group(RepoContext& ctx, const Message<MergeGroupEvent>& m);

}  // namespace strata::planner
