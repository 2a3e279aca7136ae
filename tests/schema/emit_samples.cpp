// strata_emit_samples DIR: writes one message of every type, built and encoded by the C++ code the
// daemons use (make_message + encode), into DIR as <type>.emitted-<n>.json, so that
// tests/schema/check-emitted.sh can check them against schemas/ with validate.mjs. Variants cover
// optional members present and absent, empty strings and lists where a field may be empty, every
// enumerated value where it matters (triggers, states, revision orders) and the all-zeros SHA of a
// new branch.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "strata/messages.hpp"

namespace {

using namespace strata;

const std::string kBefore = "3f1c2b9d8e7a6f5041e2d3c4b5a69788f0e1d2c3";
const std::string kAfter = "9a8b7c6d5e4f30211203948576abcdef01234567";
const std::string kZeros = "0000000000000000000000000000000000000000";

class Writer {
public:
    explicit Writer(std::filesystem::path dir) : dir_(std::move(dir)) {}

    template <class T>
    void write(const Message<T>& message) {
        const std::string type(T::kType);
        int n = ++count_[type];
        auto file = dir_ / (type + ".emitted-" + std::to_string(n) + ".json");
        std::ofstream out(file);
        out << encode(message) << '\n';
        out.close();
        if (!out) {
            std::cerr << "strata_emit_samples: writing " << file.string() << ": "
                      << std::strerror(errno) << '\n';
            failed_ = true;
        }
        ++written_;
    }

    int written() const { return written_; }
    bool failed() const { return failed_; }

private:
    std::filesystem::path dir_;
    std::map<std::string, int> count_;
    int written_ = 0;
    bool failed_ = false;
};

RepoRef repo(long long installation_id = 41234567) {
    return {"acme/infra", "https://github.com/acme/infra.git", "main", installation_id};
}

RootRef root(std::string name, std::string dir, std::string version = "") {
    RootRef r;
    r.name = std::move(name);
    r.dir = std::move(dir);
    r.terraform_version = std::move(version);
    return r;
}

PlanSummary plan() {
    PlanSummary p;
    p.add = 2;
    p.change = 1;
    p.destroy = 1;
    p.replace = 1;
    p.resources = {"+ aws_s3_bucket.logs", "+ aws_s3_bucket.assets", "~ aws_iam_role.deploy",
                   "-/+ aws_instance.bastion", "- aws_security_group.old"};
    return p;
}

const std::string kMergeHead = "e83c5163316f89bfbde7d9ab23ca2e25604af290";

// Webhooks normalised by ingest: each the root of a chain (no causation id).
void emit_events(Writer& w, const std::string& delivery) {
    const Origin from_ingest{"ingest", delivery, ""};

    w.write(make_message(PullRequestEvent{.repo = repo(),
                                          .action = "opened",
                                          .number = 42,
                                          .base_ref = "main",
                                          .base_sha = kBefore,
                                          .head_ref = "feature/nat-gateways",
                                          .head_sha = kAfter,
                                          .merged = false,
                                          .draft = true,
                                          .user = "octocat"},
                         Origin{"ingest", new_uuid(), ""}));
    w.write(make_message(PullRequestEvent{.repo = repo(0),
                                          .action = "closed",
                                          .number = 42,
                                          .base_ref = "main",
                                          .base_sha = kBefore,
                                          .head_ref = "feature/nat-gateways",
                                          .head_sha = kAfter,
                                          .merged = true,
                                          .draft = false,
                                          .user = "alice"},
                         Origin{"ingest", new_uuid(), ""}));

    // check_run: a Confirm button, and GitHub's Re-run with a null head_branch.
    w.write(make_message(CheckRunEvent{.repo = repo(),
                                       .action = "requested_action",
                                       .check_run_id = 19827364501,
                                       .name = "strata/deploy: app",
                                       .external_id = "dep-1a2b",
                                       .head_sha = kAfter,
                                       .head_branch = "main",
                                       .identifier = "confirm",
                                       .user = "alice"},
                         from_ingest));
    w.write(make_message(CheckRunEvent{.repo = repo(),
                                       .action = "rerequested",
                                       .check_run_id = 19827364502,
                                       .name = "strata/deploy: network",
                                       .external_id = "dep-0001",
                                       .head_sha = kAfter,
                                       .head_branch = "",
                                       .identifier = "",
                                       .user = "octocat"},
                         Origin{"ingest", new_uuid(), ""}));

    w.write(make_message(CheckSuiteEvent{.repo = repo(),
                                         .action = "rerequested",
                                         .head_sha = kAfter,
                                         .head_branch = "",
                                         .user = "octocat"},
                         Origin{"ingest", new_uuid(), ""}));
    w.write(make_message(CheckSuiteEvent{.repo = repo(),
                                         .action = "rerequested",
                                         .head_sha = kBefore,
                                         .head_branch = "main",
                                         .user = "hubot"},
                         Origin{"ingest", new_uuid(), ""}));

    w.write(make_message(CommentCommandEvent{.repo = repo(),
                                             .number = 42,
                                             .comment_id = 1823456789,
                                             .command = "plan",
                                             .args = {"app", "network"},
                                             .user = "octocat"},
                         Origin{"ingest", new_uuid(), ""}));
    w.write(make_message(CommentCommandEvent{.repo = repo(),
                                             .number = 42,
                                             .comment_id = 1823456790,
                                             .command = "unlock",
                                             .args = {},
                                             .user = "alice"},
                         Origin{"ingest", new_uuid(), ""}));

    w.write(make_message(
        MergeGroupEvent{.repo = repo(),
                        .action = "checks_requested",
                        .head_sha = kMergeHead,
                        .head_ref = "refs/heads/gh-readonly-queue/main/pr-42-" + kBefore,
                        .base_sha = kBefore,
                        .base_ref = "refs/heads/main",
                        .user = "octocat"},
        Origin{"ingest", new_uuid(), ""}));

    w.write(make_message(InstallationEvent{.action = "created",
                                           .installation_id = 41234567,
                                           .account = "acme",
                                           .repositories = {"acme/infra", "acme/platform"},
                                           .user = "octocat"},
                         Origin{"ingest", new_uuid(), ""}));
    w.write(make_message(InstallationEvent{.action = "deleted",
                                           .installation_id = 41234567,
                                           .account = "acme",
                                           .repositories = {},
                                           .user = "acme-admin"},
                         Origin{"ingest", new_uuid(), ""}));

    w.write(make_message(
        PingEvent{.hook_id = 451236789, .zen = "Design for failure.", .repository = "acme/infra"},
        Origin{"ingest", new_uuid(), ""}));
    w.write(make_message(
        PingEvent{.hook_id = 451236790, .zen = "Keep it logically awesome.", .repository = ""},
        Origin{"ingest", new_uuid(), ""}));
}

// Manual triggers, published by the strata CLI (or any AMQP client): roots of their chains.
void emit_triggers(Writer& w) {
    w.write(make_message(TriggerDeploy{.repository = "acme/infra",
                                       .roots = {"network", "app"},
                                       .revision = kAfter,
                                       .branch = "",
                                       .user = "alice",
                                       .reason = "roll out the new NAT gateways",
                                       .force = false},
                         Origin{"cli", "", ""}));
    w.write(make_message(TriggerDeploy{.repository = "acme/infra",
                                       .roots = {"network"},
                                       .revision = "",
                                       .branch = "release/2024-03",
                                       .user = "alice",
                                       .reason = "",
                                       .force = true},
                         Origin{"cli", "", ""}));

    w.write(make_message(TriggerUnlock{.repository = "acme/infra",
                                       .root = "network",
                                       .user = "alice",
                                       .reason = "manual deploy verified"},
                         Origin{"cli", "", ""}));

    // confirm / reject: by deployment id, and by repository + root.
    w.write(make_message(TriggerConfirm{.deployment_id = "dep-1a2b",
                                        .repository = "",
                                        .root = "",
                                        .user = "alice",
                                        .reason = "plan reviewed"},
                         Origin{"cli", "", ""}));
    w.write(make_message(TriggerConfirm{.deployment_id = "",
                                        .repository = "acme/infra",
                                        .root = "network",
                                        .user = "release-bot",
                                        .reason = ""},
                         Origin{"amqp-client", "", ""}));
    w.write(make_message(TriggerReject{.deployment_id = "",
                                       .repository = "acme/infra",
                                       .root = "app",
                                       .user = "bob",
                                       .reason = "destroys the production database"},
                         Origin{"cli", "", ""}));
    w.write(make_message(TriggerReject{.deployment_id = "dep-1a2b",
                                       .repository = "acme/infra",
                                       .root = "app",
                                       .user = "bob",
                                       .reason = ""},
                         Origin{"cli", "", ""}));
}

DeploymentState deployment(std::string id, long long seq, std::string state) {
    DeploymentState s;
    s.deployment_id = std::move(id);
    s.seq = seq;
    s.repo = repo();
    s.root = root("app", "live/app", "1.6.6");
    s.revision = kAfter;
    s.kind = "deploy";
    s.trigger = "merge";
    s.user = "octocat";
    s.state = std::move(state);
    s.log_url = "https://strata.example.com/jobs/" + s.deployment_id;
    s.updated_at = now_rfc3339();
    return s;
}

void emit_all(Writer& w) {
    const std::string delivery = "72d4f6a0-8c3b-11ee-9d2b-6e1f3a5c7b90";

    // event.push: ingest, the root of a chain.
    PushEvent push{repo(), "refs/heads/main", kBefore, kAfter, "octocat", false};
    auto push_msg = make_message(push, Origin{"ingest", delivery, ""});
    w.write(push_msg);
    PushEvent new_branch{repo(0), "refs/heads/feature/vpc", kZeros, kAfter, "hubot", true};
    w.write(make_message(new_branch, Origin{"ingest", new_uuid(), ""}));

    emit_events(w, delivery);
    emit_triggers(w);
    const Origin from_planner{"planner", delivery, push_msg.envelope.id};

    // deploy.requested: planner, merge (with an upstream root), manual (none) and a forced rerun.
    DeployRequested merge{.repo = repo(),
                          .root = root("app", "live/app", "1.6.6"),
                          .revision = kAfter,
                          .ref = "refs/heads/main",
                          .trigger = "merge",
                          .user = "octocat",
                          .upstream_roots = {"network"}};
    auto merge_msg = make_message(merge, from_planner, derived_uuid(push_msg.envelope.id + "|app"));
    w.write(merge_msg);
    DeployRequested manual{.repo = repo(),
                           .root = root("network", "live/network"),
                           .revision = kBefore,
                           .ref = "refs/heads/main",
                           .trigger = "manual",
                           .user = "alice",
                           .upstream_roots = {},
                           .reason = "roll out the new NAT gateways"};
    w.write(make_message(manual, Origin{"planner", new_uuid(), ""}));
    DeployRequested rerun = manual;
    rerun.rerun = true;
    rerun.force = true;
    rerun.reason = "";
    w.write(make_message(rerun, Origin{"planner", new_uuid(), ""}));
    // With the root's strata.yaml review and apply settings.
    DeployRequested with_settings = merge;
    with_settings.review_required = "always";
    with_settings.reviewers = {"alice", "acme/sre"};
    with_settings.apply_enabled = false;
    with_settings.apply_timeout = "45m";
    w.write(make_message(with_settings, Origin{"planner", new_uuid(), ""}));

    // plan.requested: a pull request (with a merge base) and a merge group (pull number 0).
    const Origin pr_origin{"planner", new_uuid(), new_uuid()};
    PlanRequested pr_plan{.repo = repo(),
                          .root = root("network", "live/network"),
                          .revision = kAfter,
                          .base_revision = kBefore,
                          .pull_number = 42,
                          .head_ref = "feature/nat-gateways",
                          .trigger = "pull_request",
                          .user = "octocat"};
    auto pr_plan_msg = make_message(pr_plan, pr_origin);
    w.write(pr_plan_msg);
    w.write(
        make_message(PlanRequested{.repo = repo(),
                                   .root = root(".", "."),
                                   .revision = kMergeHead,
                                   .base_revision = "",
                                   .pull_number = 0,
                                   .head_ref = "refs/heads/gh-readonly-queue/main/pr-42-" + kBefore,
                                   .trigger = "merge_group",
                                   .user = ""},
                     pr_origin));
    PlanRequested comment_plan = pr_plan;
    comment_plan.trigger = "comment";
    w.write(make_message(comment_plan, pr_origin));

    // plan.cancelled: every plan of a closed pull request, and one superseded revision.
    w.write(make_message(
        PlanCancelled{
            .repo = repo(), .pull_number = 42, .revision = "", .reason = "pull request closed"},
        pr_origin));
    w.write(make_message(PlanCancelled{.repo = repo(),
                                       .pull_number = 42,
                                       .revision = kBefore,
                                       .reason = "superseded by " + kAfter},
                         pr_origin));

    // config.invalid: with a line and pull request, and without either.
    w.write(
        make_message(ConfigInvalid{.repo = repo(),
                                   .revision = kAfter,
                                   .file = "strata.yaml",
                                   .line = 12,
                                   .message = "root \"network\" is defined twice (first at line 4)",
                                   .pull_number = 42},
                     pr_origin));
    w.write(make_message(ConfigInvalid{.repo = repo(),
                                       .revision = kAfter,
                                       .file = "atlantis.yaml",
                                       .line = 0,
                                       .message = "dependency cycle: network -> app -> network",
                                       .pull_number = 0},
                         from_planner));

    w.write(make_message(RootDeleted{.repo = repo(),
                                     .root = root("legacy-vpc", "live/legacy-vpc"),
                                     .revision = kAfter,
                                     .user = "octocat"},
                         from_planner));

    // request.refused: scheduler, about a deployment and about nothing in particular.
    const Origin from_scheduler{"scheduler", delivery, merge_msg.envelope.id};
    w.write(
        make_message(RequestRefused{.repo = repo(),
                                    .root = "app",
                                    .revision = kAfter,
                                    .request = "rerun",
                                    .user = "octocat",
                                    .reason = "Reruns are only supported on the most recent deploy",
                                    .deployment_id = "dep-1a2b"},
                     from_scheduler));
    w.write(make_message(RequestRefused{.repo = repo(),
                                        .root = "",
                                        .revision = "",
                                        .request = "confirm",
                                        .user = "mallory",
                                        .reason = "mallory may not confirm deployments",
                                        .deployment_id = ""},
                         from_scheduler));

    // job.run: scheduler, a deploy with a last attempt, a first apply without one, a retried
    // pull-request plan.
    JobRun deploy{.job_id = "job-7f3a",
                  .deployment_id = "dep-1a2b",
                  .kind = "deploy",
                  .repo = repo(),
                  .root = root("app", "live/app", "1.6.6"),
                  .revision = kAfter,
                  .fencing_token = 17,
                  .last_attempted_revision = kBefore};
    auto job_msg = make_message(deploy, from_scheduler);
    w.write(job_msg);
    JobRun apply{.job_id = "job-7f3b",
                 .deployment_id = "dep-1a2b",
                 .kind = "apply",
                 .repo = repo(),
                 .root = root("app", "live/app"),
                 .revision = kAfter,
                 .fencing_token = 18,
                 .apply_timeout = "45m"};
    w.write(make_message(apply, from_scheduler));
    JobRun plan_only{.job_id = "job-7f3c",
                     .deployment_id = "plan-42-network",
                     .kind = "plan",
                     .repo = repo(),
                     .root = root(".", "."),
                     .revision = kAfter,
                     .fencing_token = 0,
                     .pull_number = 42,
                     .attempt = 2};
    w.write(make_message(plan_only, Origin{"scheduler", delivery, pr_plan_msg.envelope.id}));

    // job.state: executor, with the plan absent (started, planning, failed, released) and
    // present (planned, succeeded).
    const Origin from_executor{"executor", delivery, job_msg.envelope.id};
    auto job_state = [](std::string state, std::string order, std::optional<PlanSummary> p,
                        std::string detail) {
        return JobState{.job_id = "job-7f3a",
                        .deployment_id = "dep-1a2b",
                        .fencing_token = 17,
                        .executor_id = "executor-1",
                        .state = std::move(state),
                        .revision_order = std::move(order),
                        .plan = std::move(p),
                        .detail = std::move(detail)};
    };
    w.write(make_message(job_state("started", "", std::nullopt, ""), from_executor));
    w.write(make_message(job_state("planning", "ahead", std::nullopt, ""), from_executor));
    w.write(make_message(job_state("planning", "none", std::nullopt, ""), from_executor));
    w.write(
        make_message(job_state("planned", "", plan(), "Plan: 3 to add, 1 to change, 2 to destroy."),
                     from_executor));
    w.write(make_message(job_state("applying", "", std::nullopt, ""), from_executor));
    w.write(
        make_message(job_state("failed", "", std::nullopt, "Error: Invalid reference (token ***)"),
                     from_executor));
    w.write(make_message(
        job_state("succeeded", "", PlanSummary{}, "Apply complete! Resources: 0 added."),
        from_executor));
    w.write(make_message(job_state("released", "", std::nullopt, "shutting down"), from_executor));

    // deployment.state: scheduler, every state; queued behind others (no plan), awaiting review
    // (plan), a finished deploy with every field set, and a pull-request plan.
    DeploymentState queued = deployment("dep-1a2b", 1, "queued");
    queued.queue_ahead = {{"dep-0001", kBefore, "manual"}, {"dep-0002", kBefore, "merge"}};
    w.write(make_message(queued, from_scheduler));

    DeploymentState locked = queued;
    locked.seq = 2;
    locked.state = "locked";
    locked.reason = "the queue is locked by a manual deploy: Unlock to let merge deploys run";
    locked.queue_ahead = {{"dep-0003", "", "manual"}};
    w.write(make_message(locked, from_scheduler));

    DeploymentState review = deployment("dep-1a2b", 3, "awaiting_review");
    review.trigger = "manual";
    review.user = "alice";
    review.reason = "triggered manually: Confirm or Reject the plan";
    review.plan = plan();
    review.revision_order = "diverged";
    review.started_at = now_rfc3339();
    review.executor_id = "executor-1";
    w.write(make_message(review, from_scheduler));

    DeploymentState done = review;
    done.seq = 5;
    done.state = "succeeded";
    done.reason = "";
    done.force = true;
    done.approved_by = {"alice", "bob"};
    done.approved_at = now_rfc3339();
    done.unlocked_by = "carol";
    done.apply_started_at = now_rfc3339();
    done.finished_at = now_rfc3339();
    done.updated_at = now_rfc3339();
    w.write(make_message(done, from_scheduler));

    for (const char* state : {"planning", "confirmed", "applying", "failed", "timed_out",
                              "rejected", "review_timed_out", "cancelled", "skipped"}) {
        DeploymentState s = deployment("dep-7c8d", 6, state);
        s.revision_order = std::string(state) == "skipped" ? "behind" : "identical";
        s.reason = std::string(state) == "skipped" ? "behind the current revision" : "";
        w.write(make_message(s, from_scheduler));
    }

    for (const char* trigger : {"pull_request", "comment", "merge_group"}) {
        DeploymentState pr = deployment("plan-42-network", 2, "succeeded");
        pr.kind = "plan";
        pr.trigger = trigger;
        pr.root = root("network", "live/network");
        pr.pull_number = std::string(trigger) == "merge_group" ? 0 : 42;
        pr.plan = PlanSummary{};
        pr.log_url = "";
        pr.started_at = now_rfc3339();
        pr.finished_at = now_rfc3339();
        pr.executor_id = "executor-2";
        w.write(make_message(pr, Origin{"scheduler", delivery, pr_plan_msg.envelope.id}));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: strata_emit_samples DIR\n"
                     "writes one encoded message of every type as DIR/<type>.emitted-<n>.json\n";
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << "strata_emit_samples: creating " << dir.string() << ": " << ec.message()
                  << '\n';
        return 1;
    }
    Writer writer(dir);
    emit_all(writer);
    if (writer.failed()) return 1;
    std::cout << "strata_emit_samples: wrote " << writer.written() << " messages to "
              << dir.string() << '\n';
    return 0;
}
