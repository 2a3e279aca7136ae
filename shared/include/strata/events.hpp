// Payloads of the events entering the pipeline: GitHub webhooks normalised by ingest (event.*)
// and manual triggers published by the strata CLI or any AMQP client (trigger.*). Downstream
// daemons never read GitHub's raw payload.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/payloads.hpp"

namespace strata {

// event.push: a branch was pushed.
struct PushEvent {
    static constexpr std::string_view kType = "event.push";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string ref;     // "refs/heads/main"
    std::string before;  // all zeros for a new branch
    std::string after;   // all zeros for a deleted branch
    std::string pusher;
    bool forced = false;
};

// event.pull_request: opened, synchronize, reopened, ready_for_review or closed.
struct PullRequestEvent {
    static constexpr std::string_view kType = "event.pull_request";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string action;
    long long number = 0;
    std::string base_ref;  // "main"
    std::string base_sha;
    std::string head_ref;
    std::string head_sha;
    bool merged = false;
    bool draft = false;
    std::string user;
};

// event.check_run: a button on one of Strata's check runs (requested_action, with the action's
// identifier) or GitHub's "Re-run" (rerequested).
struct CheckRunEvent {
    static constexpr std::string_view kType = "event.check_run";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string action;  // "requested_action" | "rerequested"
    long long check_run_id = 0;
    std::string name;         // "strata/deploy: <root>"
    std::string external_id;  // the deployment id
    std::string head_sha;
    std::string head_branch;  // "" when GitHub sent null
    std::string identifier;   // requested_action: "unlock" | "confirm" | "reject"
    std::string user;
};

// event.check_suite: GitHub's "Re-run all checks" of a commit.
struct CheckSuiteEvent {
    static constexpr std::string_view kType = "event.check_suite";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string action;  // "rerequested"
    std::string head_sha;
    std::string head_branch;  // "" when GitHub sent null: resolved from the mirror downstream
    std::string user;
};

// event.issue_comment: a `strata plan|apply|unlock [args]` command on a pull request.
struct CommentCommandEvent {
    static constexpr std::string_view kType = "event.issue_comment";
    static constexpr int kVersion = 1;
    RepoRef repo;
    long long number = 0;  // the pull request
    long long comment_id = 0;
    std::string command;  // "plan" | "apply" | "unlock" | "confirm" | "reject"
    std::vector<std::string> args;
    std::string user;
};

// event.merge_group: a merge queue asks for checks of its head commit.
struct MergeGroupEvent {
    static constexpr std::string_view kType = "event.merge_group";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string action;  // "checks_requested"
    std::string head_sha;
    std::string head_ref;
    std::string base_sha;
    std::string base_ref;
    std::string user;
};

// event.installation: the GitHub App was installed, removed, suspended, ...
struct InstallationEvent {
    static constexpr std::string_view kType = "event.installation";
    static constexpr int kVersion = 1;
    std::string action;
    long long installation_id = 0;
    std::string account;
    std::vector<std::string> repositories;  // full names, when the payload lists them
    std::string user;
};

// event.ping: GitHub checks the webhook.
struct PingEvent {
    static constexpr std::string_view kType = "event.ping";
    static constexpr int kVersion = 1;
    long long hook_id = 0;
    std::string zen;
    std::string repository;  // full name, "" for an organisation or app hook
};

// trigger.deploy: deploy the named roots of a repository at a revision (or a branch's head).
struct TriggerDeploy {
    static constexpr std::string_view kType = "trigger.deploy";
    static constexpr int kVersion = 1;
    std::string repository;  // "acme/infra"
    std::vector<std::string> roots;
    std::string revision;  // a SHA, or "" to use the head of `branch`
    std::string branch;    // "" = the default branch
    std::string user;
    std::string reason;
    bool force = false;
};

// trigger.unlock: unlock a root's queue for merge deploys.
struct TriggerUnlock {
    static constexpr std::string_view kType = "trigger.unlock";
    static constexpr int kVersion = 1;
    std::string repository;
    std::string root;
    std::string user;
    std::string reason;
};

// trigger.confirm / trigger.reject: the review of a plan, by deployment id, or by repository
// and root (the deployment of that root awaiting review).
struct TriggerConfirm {
    static constexpr std::string_view kType = "trigger.confirm";
    static constexpr int kVersion = 1;
    std::string deployment_id;
    std::string repository;
    std::string root;
    std::string user;
    std::string reason;
};

struct TriggerReject {
    static constexpr std::string_view kType = "trigger.reject";
    static constexpr int kVersion = 1;
    std::string deployment_id;
    std::string repository;
    std::string root;
    std::string user;
    std::string reason;
};

}  // namespace strata
