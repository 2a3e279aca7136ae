// Message envelopes and payloads: encode/decode round trips for every type, decode errors that
// name the offending field, the schemas in schemas/ listing exactly the encoded fields, and ids.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "strata/messages.hpp"

namespace strata {
namespace {

using nlohmann::json;

RepoRef repo() { return {"acme/infra", "https://github.com/acme/infra.git", "main", 4242}; }
RootRef root() { return {"network", "envs/prod/network", "prod", "1.6.6"}; }
PlanSummary plan() {
    PlanSummary p;
    p.add = 1;
    p.change = 2;
    p.destroy = 3;
    p.replace = 4;
    p.import = 5;
    p.move = 6;
    p.resources = {"+ aws_s3_bucket.a", "-/+ aws_instance.db"};
    return p;
}
const Origin kOrigin{"test", "corr-1", "cause-1"};

void expect_same(const RepoRef& a, const RepoRef& b) {
    EXPECT_EQ(a.full_name, b.full_name);
    EXPECT_EQ(a.clone_url, b.clone_url);
    EXPECT_EQ(a.default_branch, b.default_branch);
    EXPECT_EQ(a.installation_id, b.installation_id);
}
void expect_same(const RootRef& a, const RootRef& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dir, b.dir);
    EXPECT_EQ(a.workspace, b.workspace);
    EXPECT_EQ(a.terraform_version, b.terraform_version);
}
void expect_same(const std::optional<PlanSummary>& a, const std::optional<PlanSummary>& b) {
    ASSERT_EQ(a.has_value(), b.has_value());
    if (!a) return;
    EXPECT_EQ(a->add, b->add);
    EXPECT_EQ(a->change, b->change);
    EXPECT_EQ(a->destroy, b->destroy);
    EXPECT_EQ(a->replace, b->replace);
    EXPECT_EQ(a->import, b->import);
    EXPECT_EQ(a->move, b->move);
    EXPECT_EQ(a->resources, b->resources);
}
void expect_same(const Envelope& a, const Envelope& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.correlation_id, b.correlation_id);
    EXPECT_EQ(a.causation_id, b.causation_id);
    EXPECT_EQ(a.produced_at, b.produced_at);
    EXPECT_EQ(a.producer, b.producer);
}

// Encodes, decodes and checks the envelope survived; the caller checks the payload.
template <class T>
Message<T> round_trip(T payload) {
    auto message = make_message(std::move(payload), kOrigin);
    auto body = encode(message);
    auto decoded = decode<T>(body);
    EXPECT_TRUE(decoded.ok()) << decoded.error().message << "\n" << body;
    if (!decoded.ok()) return message;
    expect_same(decoded->envelope, message.envelope);
    EXPECT_EQ(encode(*decoded), body);
    return std::move(*decoded);
}

// An encoded message, as JSON, for tests to break.
template <class T>
json encoded(T payload) {
    return json::parse(encode(make_message(std::move(payload), kOrigin)));
}

DeployRequested deploy_requested() {
    return {repo(),
            root(),
            "0123456789abcdef0123456789abcdef01234567",
            "refs/heads/main",
            "manual",
            "octocat",
            {"vpc", "iam"},
            true,
            true,
            "hotfix"};
}

JobRun job_run() {
    return {"dep-1:3", "dep-1", "apply", repo(), root(), "abc123", 3, "def456", 0, 2};
}

const std::string kShaA = "9a8b7c6d5e4f30211203948576abcdef01234567";
const std::string kShaB = "3f1c2b9d8e7a6f5041e2d3c4b5a69788f0e1d2c3";

PullRequestEvent pull_request_event() {
    return {.repo = repo(),
            .action = "synchronize",
            .number = 42,
            .base_ref = "main",
            .base_sha = kShaB,
            .head_ref = "feature/nat",
            .head_sha = kShaA,
            .merged = false,
            .draft = true,
            .user = "octocat"};
}
CheckRunEvent check_run_event() {
    return {.repo = repo(),
            .action = "requested_action",
            .check_run_id = 19827364501,
            .name = "strata/deploy: network",
            .external_id = "dep-1",
            .head_sha = kShaA,
            .head_branch = "",
            .identifier = "confirm",
            .user = "alice"};
}
CheckSuiteEvent check_suite_event() {
    return {.repo = repo(),
            .action = "rerequested",
            .head_sha = kShaA,
            .head_branch = "main",
            .user = "octocat"};
}
CommentCommandEvent comment_event() {
    return {.repo = repo(),
            .number = 42,
            .comment_id = 1823456789,
            .command = "plan",
            .args = {"network", "-lock=false"},
            .user = "octocat"};
}
MergeGroupEvent merge_group_event() {
    return {.repo = repo(),
            .action = "checks_requested",
            .head_sha = kShaA,
            .head_ref = "refs/heads/gh-readonly-queue/main/pr-42",
            .base_sha = kShaB,
            .base_ref = "refs/heads/main",
            .user = "octocat"};
}
InstallationEvent installation_event() {
    return {.action = "created",
            .installation_id = 4242,
            .account = "acme",
            .repositories = {"acme/infra", "acme/platform"},
            .user = "octocat"};
}
PingEvent ping_event() { return {.hook_id = 77, .zen = "Design for failure.", .repository = ""}; }
TriggerDeploy trigger_deploy() {
    return {.repository = "acme/infra",
            .roots = {"network", "app"},
            .revision = "",
            .branch = "release",
            .user = "alice",
            .reason = "hotfix",
            .force = true};
}
TriggerUnlock trigger_unlock() {
    return {.repository = "acme/infra", .root = "network", .user = "alice", .reason = "verified"};
}
TriggerConfirm trigger_confirm() {
    return {.deployment_id = "dep-1",
            .repository = "acme/infra",
            .root = "network",
            .user = "alice",
            .reason = "looks good"};
}
TriggerReject trigger_reject() {
    return {.deployment_id = "",
            .repository = "acme/infra",
            .root = "network",
            .user = "bob",
            .reason = "destroys the database"};
}
PlanRequested plan_requested() {
    return {.repo = repo(),
            .root = root(),
            .revision = kShaA,
            .base_revision = kShaB,
            .pull_number = 42,
            .head_ref = "feature/nat",
            .trigger = "comment",
            .user = "octocat"};
}
PlanCancelled plan_cancelled() {
    return {.repo = repo(), .pull_number = 42, .revision = kShaB, .reason = "superseded"};
}
ConfigInvalid config_invalid() {
    return {.repo = repo(),
            .revision = kShaA,
            .file = "strata.yaml",
            .line = 12,
            .message = "root \"network\" is defined twice",
            .pull_number = 42};
}
RootDeleted root_deleted() {
    return {.repo = repo(), .root = root(), .revision = kShaA, .user = "octocat"};
}
RequestRefused request_refused() {
    return {.repo = repo(),
            .root = "network",
            .revision = kShaA,
            .request = "rerun",
            .user = "octocat",
            .reason = "Reruns are only supported on the most recent deploy",
            .deployment_id = "dep-1"};
}
DeploymentState deployment_state() {
    DeploymentState p;
    p.deployment_id = "dep-9";
    p.seq = 7;
    p.repo = repo();
    p.root = root();
    p.revision = kShaA;
    p.kind = "deploy";
    p.trigger = "manual";
    p.user = "alice";
    p.state = "succeeded";
    p.reason = "done";
    p.plan = plan();
    p.queue_ahead = {{"dep-7", kShaB, "manual"}};
    p.log_url = "https://strata.example/logs/dep-9";
    p.updated_at = "2024-01-02T03:04:05.678Z";
    p.pull_number = 42;
    p.force = true;
    p.revision_order = "diverged";
    p.approved_by = {"alice", "bob"};
    p.approved_at = "2024-01-02T03:00:00.000Z";
    p.unlocked_by = "carol";
    p.started_at = "2024-01-02T02:00:00.000Z";
    p.apply_started_at = "2024-01-02T03:00:01.000Z";
    p.finished_at = "2024-01-02T03:04:05.678Z";
    p.executor_id = "executor-a";
    return p;
}

TEST(Messages, PushEventRoundTrips) {
    PushEvent p{repo(), "refs/heads/main", std::string(40, '0'), "abc123", "octocat", true};
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.push");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.ref, p.ref);
    EXPECT_EQ(m.payload.before, p.before);
    EXPECT_EQ(m.payload.after, p.after);
    EXPECT_EQ(m.payload.pusher, p.pusher);
    EXPECT_TRUE(m.payload.forced);
}

TEST(Messages, DeployRequestedRoundTrips) {
    auto p = deploy_requested();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "deploy.requested");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.ref, p.ref);
    EXPECT_EQ(m.payload.trigger, "manual");
    EXPECT_EQ(m.payload.user, "octocat");
    EXPECT_EQ(m.payload.upstream_roots, p.upstream_roots);
    EXPECT_TRUE(m.payload.rerun);
    EXPECT_TRUE(m.payload.force);
    EXPECT_EQ(m.payload.reason, "hotfix");
}

TEST(Messages, DeployRequestedCarriesTheRootsRepoSettings) {
    auto p = deploy_requested();
    p.review_required = "always";
    p.reviewers = {"alice", "acme/sre"};
    p.apply_enabled = false;
    p.apply_timeout = "45m";
    auto m = round_trip(p);
    EXPECT_EQ(m.payload.review_required, "always");
    EXPECT_EQ(m.payload.reviewers, (std::vector<std::string>{"alice", "acme/sre"}));
    EXPECT_FALSE(m.payload.apply_enabled);
    EXPECT_EQ(m.payload.apply_timeout, "45m");
}

// A deploy.requested of a planner that predates the repo settings decodes to today's behaviour.
TEST(Messages, DeployRequestedWithoutRepoSettingsDecodesToTheDefaults) {
    auto doc = encoded(deploy_requested());
    for (const char* key : {"review_required", "reviewers", "apply_enabled", "apply_timeout"})
        doc["payload"].erase(key);
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->payload.review_required, "auto");
    EXPECT_TRUE(r->payload.reviewers.empty());
    EXPECT_TRUE(r->payload.apply_enabled);
    EXPECT_EQ(r->payload.apply_timeout, "");
}

TEST(Messages, DeployRequestedRefusesAnUnknownReviewRequired) {
    auto doc = encoded(deploy_requested());
    doc["payload"]["review_required"] = "sometimes";
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "decoding deploy.requested: payload.review_required: unexpected value 'sometimes'");
}

TEST(Messages, JobRunCarriesTheApplyTimeout) {
    auto p = job_run();
    p.apply_timeout = "45m";
    EXPECT_EQ(round_trip(p).payload.apply_timeout, "45m");
    auto doc = encoded(job_run());
    doc["payload"].erase("apply_timeout");
    auto r = decode<JobRun>(doc.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->payload.apply_timeout, "");
}

TEST(Messages, JobRunRoundTrips) {
    auto p = job_run();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "job.run");
    EXPECT_EQ(m.payload.job_id, p.job_id);
    EXPECT_EQ(m.payload.deployment_id, p.deployment_id);
    EXPECT_EQ(m.payload.kind, "apply");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.fencing_token, 3);
    EXPECT_EQ(m.payload.last_attempted_revision, "def456");
    EXPECT_EQ(m.payload.pull_number, 0);
    EXPECT_EQ(m.payload.attempt, 2);

    JobRun pr_plan = p;
    pr_plan.kind = "plan";
    pr_plan.pull_number = 42;
    pr_plan.attempt = 1;
    auto n = round_trip(pr_plan);
    EXPECT_EQ(n.payload.kind, "plan");
    EXPECT_EQ(n.payload.pull_number, 42);
    EXPECT_EQ(n.payload.attempt, 1);
}

TEST(Messages, JobStateRoundTripsWithAndWithoutAPlan) {
    JobState with{"dep-1:3", "dep-1", 3,      "executor-a",
                  "planned", "ahead", plan(), "tail of output"};
    auto m = round_trip(with);
    EXPECT_EQ(m.envelope.type, "job.state");
    EXPECT_EQ(m.payload.job_id, with.job_id);
    EXPECT_EQ(m.payload.deployment_id, with.deployment_id);
    EXPECT_EQ(m.payload.fencing_token, 3);
    EXPECT_EQ(m.payload.executor_id, "executor-a");
    EXPECT_EQ(m.payload.state, "planned");
    EXPECT_EQ(m.payload.revision_order, "ahead");
    EXPECT_EQ(m.payload.detail, "tail of output");
    expect_same(m.payload.plan, with.plan);

    JobState without{"dep-1:3", "dep-1", 3, "executor-a", "failed", "", std::nullopt, "boom"};
    auto n = round_trip(without);
    EXPECT_FALSE(n.payload.plan.has_value());
    EXPECT_EQ(n.payload.state, "failed");
    EXPECT_EQ(n.payload.revision_order, "");
}

TEST(Messages, DeploymentStateRoundTrips) {
    DeploymentState p;
    p.deployment_id = "dep-9";
    p.seq = 7;
    p.repo = repo();
    p.root = root();
    p.revision = "abc123";
    p.kind = "deploy";
    p.trigger = "merge";
    p.user = "octocat";
    p.state = "queued";
    p.reason = "waiting";
    p.plan = plan();
    p.queue_ahead = {{"dep-7", "rev7", "manual"}, {"dep-8", "rev8", "merge"}};
    p.log_url = "https://strata.example/logs/dep-9";
    p.updated_at = "2024-01-02T03:04:05.678Z";
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "deployment.state");
    EXPECT_EQ(m.payload.deployment_id, "dep-9");
    EXPECT_EQ(m.payload.seq, 7);
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.kind, "deploy");
    EXPECT_EQ(m.payload.trigger, "merge");
    EXPECT_EQ(m.payload.user, "octocat");
    EXPECT_EQ(m.payload.state, "queued");
    EXPECT_EQ(m.payload.reason, "waiting");
    expect_same(m.payload.plan, p.plan);
    ASSERT_EQ(m.payload.queue_ahead.size(), 2u);
    EXPECT_EQ(m.payload.queue_ahead[0].deployment_id, "dep-7");
    EXPECT_EQ(m.payload.queue_ahead[0].revision, "rev7");
    EXPECT_EQ(m.payload.queue_ahead[0].trigger, "manual");
    EXPECT_EQ(m.payload.queue_ahead[1].deployment_id, "dep-8");
    EXPECT_EQ(m.payload.log_url, p.log_url);
    EXPECT_EQ(m.payload.updated_at, p.updated_at);
}

TEST(Messages, DeploymentStateRoundTripsEveryField) {
    auto p = deployment_state();
    auto m = round_trip(p);
    const auto& q = m.payload;
    EXPECT_EQ(q.deployment_id, p.deployment_id);
    EXPECT_EQ(q.seq, p.seq);
    expect_same(q.repo, p.repo);
    expect_same(q.root, p.root);
    EXPECT_EQ(q.revision, p.revision);
    EXPECT_EQ(q.kind, p.kind);
    EXPECT_EQ(q.trigger, p.trigger);
    EXPECT_EQ(q.user, p.user);
    EXPECT_EQ(q.state, p.state);
    EXPECT_EQ(q.reason, p.reason);
    expect_same(q.plan, p.plan);
    ASSERT_EQ(q.queue_ahead.size(), 1u);
    EXPECT_EQ(q.queue_ahead[0].deployment_id, "dep-7");
    EXPECT_EQ(q.queue_ahead[0].revision, kShaB);
    EXPECT_EQ(q.queue_ahead[0].trigger, "manual");
    EXPECT_EQ(q.log_url, p.log_url);
    EXPECT_EQ(q.updated_at, p.updated_at);
    EXPECT_EQ(q.pull_number, 42);
    EXPECT_TRUE(q.force);
    EXPECT_EQ(q.revision_order, "diverged");
    EXPECT_EQ(q.approved_by, p.approved_by);
    EXPECT_EQ(q.approved_at, p.approved_at);
    EXPECT_EQ(q.unlocked_by, "carol");
    EXPECT_EQ(q.started_at, p.started_at);
    EXPECT_EQ(q.apply_started_at, p.apply_started_at);
    EXPECT_EQ(q.finished_at, p.finished_at);
    EXPECT_EQ(q.executor_id, "executor-a");

    // A pull-request plan without a plan yet: the optional is omitted and stays absent.
    DeploymentState pr = p;
    pr.kind = "plan";
    pr.trigger = "merge_group";
    pr.state = "planning";
    pr.plan.reset();
    pr.revision_order = "";
    pr.approved_by.clear();
    auto n = round_trip(pr);
    EXPECT_FALSE(encoded(pr)["payload"].contains("plan"));
    EXPECT_FALSE(n.payload.plan.has_value());
    EXPECT_EQ(n.payload.kind, "plan");
    EXPECT_EQ(n.payload.trigger, "merge_group");
    EXPECT_EQ(n.payload.revision_order, "");
    EXPECT_TRUE(n.payload.approved_by.empty());
}

TEST(Messages, PullRequestEventRoundTrips) {
    auto p = pull_request_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.pull_request");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.action, p.action);
    EXPECT_EQ(m.payload.number, 42);
    EXPECT_EQ(m.payload.base_ref, p.base_ref);
    EXPECT_EQ(m.payload.base_sha, p.base_sha);
    EXPECT_EQ(m.payload.head_ref, p.head_ref);
    EXPECT_EQ(m.payload.head_sha, p.head_sha);
    EXPECT_FALSE(m.payload.merged);
    EXPECT_TRUE(m.payload.draft);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, CheckRunEventRoundTrips) {
    auto p = check_run_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.check_run");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.action, "requested_action");
    EXPECT_EQ(m.payload.check_run_id, 19827364501);
    EXPECT_EQ(m.payload.name, p.name);
    EXPECT_EQ(m.payload.external_id, p.external_id);
    EXPECT_EQ(m.payload.head_sha, p.head_sha);
    EXPECT_EQ(m.payload.head_branch, "");
    EXPECT_EQ(m.payload.identifier, "confirm");
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, CheckSuiteEventRoundTrips) {
    auto p = check_suite_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.check_suite");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.action, p.action);
    EXPECT_EQ(m.payload.head_sha, p.head_sha);
    EXPECT_EQ(m.payload.head_branch, p.head_branch);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, CommentCommandEventRoundTrips) {
    auto p = comment_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.issue_comment");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.number, 42);
    EXPECT_EQ(m.payload.comment_id, 1823456789);
    EXPECT_EQ(m.payload.command, "plan");
    EXPECT_EQ(m.payload.args, p.args);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, MergeGroupEventRoundTrips) {
    auto p = merge_group_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.merge_group");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.action, p.action);
    EXPECT_EQ(m.payload.head_sha, p.head_sha);
    EXPECT_EQ(m.payload.head_ref, p.head_ref);
    EXPECT_EQ(m.payload.base_sha, p.base_sha);
    EXPECT_EQ(m.payload.base_ref, p.base_ref);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, InstallationEventRoundTrips) {
    auto p = installation_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.installation");
    EXPECT_EQ(m.payload.action, p.action);
    EXPECT_EQ(m.payload.installation_id, 4242);
    EXPECT_EQ(m.payload.account, p.account);
    EXPECT_EQ(m.payload.repositories, p.repositories);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, PingEventRoundTrips) {
    auto p = ping_event();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "event.ping");
    EXPECT_EQ(m.payload.hook_id, 77);
    EXPECT_EQ(m.payload.zen, p.zen);
    EXPECT_EQ(m.payload.repository, "");
}

TEST(Messages, TriggerDeployRoundTrips) {
    auto p = trigger_deploy();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "trigger.deploy");
    EXPECT_EQ(m.payload.repository, p.repository);
    EXPECT_EQ(m.payload.roots, p.roots);
    EXPECT_EQ(m.payload.revision, "");
    EXPECT_EQ(m.payload.branch, p.branch);
    EXPECT_EQ(m.payload.user, p.user);
    EXPECT_EQ(m.payload.reason, p.reason);
    EXPECT_TRUE(m.payload.force);
}

TEST(Messages, TriggerUnlockRoundTrips) {
    auto p = trigger_unlock();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "trigger.unlock");
    EXPECT_EQ(m.payload.repository, p.repository);
    EXPECT_EQ(m.payload.root, p.root);
    EXPECT_EQ(m.payload.user, p.user);
    EXPECT_EQ(m.payload.reason, p.reason);
}

TEST(Messages, TriggerConfirmAndRejectRoundTrip) {
    auto c = trigger_confirm();
    auto m = round_trip(c);
    EXPECT_EQ(m.envelope.type, "trigger.confirm");
    EXPECT_EQ(m.payload.deployment_id, c.deployment_id);
    EXPECT_EQ(m.payload.repository, c.repository);
    EXPECT_EQ(m.payload.root, c.root);
    EXPECT_EQ(m.payload.user, c.user);
    EXPECT_EQ(m.payload.reason, c.reason);

    auto r = trigger_reject();
    auto n = round_trip(r);
    EXPECT_EQ(n.envelope.type, "trigger.reject");
    EXPECT_EQ(n.payload.deployment_id, "");
    EXPECT_EQ(n.payload.repository, r.repository);
    EXPECT_EQ(n.payload.root, r.root);
    EXPECT_EQ(n.payload.user, r.user);
    EXPECT_EQ(n.payload.reason, r.reason);
}

TEST(Messages, PlanRequestedRoundTrips) {
    auto p = plan_requested();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "plan.requested");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.base_revision, p.base_revision);
    EXPECT_EQ(m.payload.pull_number, 42);
    EXPECT_EQ(m.payload.head_ref, p.head_ref);
    EXPECT_EQ(m.payload.trigger, "comment");
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, PlanCancelledRoundTrips) {
    auto p = plan_cancelled();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "plan.cancelled");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.pull_number, 42);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.reason, p.reason);
}

TEST(Messages, ConfigInvalidRoundTrips) {
    auto p = config_invalid();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "config.invalid");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.file, "strata.yaml");
    EXPECT_EQ(m.payload.line, 12);
    EXPECT_EQ(m.payload.message, p.message);
    EXPECT_EQ(m.payload.pull_number, 42);
}

TEST(Messages, RootDeletedRoundTrips) {
    auto p = root_deleted();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "root.deleted");
    expect_same(m.payload.repo, p.repo);
    expect_same(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.user, p.user);
}

TEST(Messages, RequestRefusedRoundTrips) {
    auto p = request_refused();
    auto m = round_trip(p);
    EXPECT_EQ(m.envelope.type, "request.refused");
    expect_same(m.payload.repo, p.repo);
    EXPECT_EQ(m.payload.root, p.root);
    EXPECT_EQ(m.payload.revision, p.revision);
    EXPECT_EQ(m.payload.request, "rerun");
    EXPECT_EQ(m.payload.user, p.user);
    EXPECT_EQ(m.payload.reason, p.reason);
    EXPECT_EQ(m.payload.deployment_id, p.deployment_id);
}

// Every value of every enumerated string decodes; the ones that may be empty do so too.
TEST(Messages, EveryEnumeratedValueRoundTrips) {
    for (const char* state :
         {"started", "planning", "planned", "applying", "succeeded", "failed", "released"}) {
        JobState s{"j", "d", 1, "e", state, "", std::nullopt, ""};
        EXPECT_EQ(round_trip(s).payload.state, state);
    }
    for (const char* order : {"", "ahead", "behind", "identical", "diverged", "none"}) {
        JobState s{"j", "d", 1, "e", "planning", order, std::nullopt, ""};
        EXPECT_EQ(round_trip(s).payload.revision_order, order);
    }
    for (const char* state :
         {"queued", "locked", "planning", "awaiting_review", "confirmed", "applying", "succeeded",
          "failed", "timed_out", "rejected", "review_timed_out", "cancelled", "skipped"}) {
        auto s = deployment_state();
        s.state = state;
        EXPECT_EQ(round_trip(s).payload.state, state);
    }
    for (const char* trigger : {"merge", "manual", "pull_request", "comment", "merge_group"}) {
        auto s = deployment_state();
        s.trigger = trigger;
        EXPECT_EQ(round_trip(s).payload.trigger, trigger);
    }
    for (const char* trigger : {"pull_request", "comment", "merge_group"}) {
        auto p = plan_requested();
        p.trigger = trigger;
        EXPECT_EQ(round_trip(p).payload.trigger, trigger);
    }
    for (const char* request : {"deploy", "rerun", "confirm", "reject", "unlock", "plan"}) {
        auto p = request_refused();
        p.request = request;
        EXPECT_EQ(round_trip(p).payload.request, request);
    }
    for (const char* command : {"plan", "apply", "unlock"}) {
        auto p = comment_event();
        p.command = command;
        EXPECT_EQ(round_trip(p).payload.command, command);
    }
    auto rerun = check_run_event();
    rerun.action = "rerequested";
    rerun.identifier = "";
    EXPECT_EQ(round_trip(rerun).payload.action, "rerequested");
}

// The decoder takes a confirm or reject naming nothing; the scheduler, not the codec, refuses it.
TEST(Messages, ConfirmWithoutDeploymentOrRootStillDecodes) {
    TriggerConfirm c{
        .deployment_id = "", .repository = "", .root = "", .user = "alice", .reason = ""};
    auto r = decode<TriggerConfirm>(encode(make_message(c, kOrigin)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->payload.deployment_id, "");
}

TEST(Messages, MakeMessageFillsTheEnvelope) {
    auto m = make_message(deploy_requested(), Origin{"planner", "corr-x", "cause-y"}, "fixed-id");
    EXPECT_EQ(m.envelope.id, "fixed-id");
    EXPECT_EQ(m.envelope.type, "deploy.requested");
    EXPECT_EQ(m.envelope.version, 1);
    EXPECT_EQ(m.envelope.correlation_id, "corr-x");
    EXPECT_EQ(m.envelope.causation_id, "cause-y");
    EXPECT_EQ(m.envelope.producer, "planner");
    EXPECT_TRUE(std::regex_match(m.envelope.produced_at,
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << m.envelope.produced_at;
}

TEST(Messages, AMessageWithoutCorrelationIdStartsItsOwnChain) {
    auto m = make_message(deploy_requested(), Origin{"cli", "", ""});
    EXPECT_FALSE(m.envelope.id.empty());
    EXPECT_EQ(m.envelope.correlation_id, m.envelope.id);
}

TEST(Messages, DecodeEnvelopeReadsOnlyTheEnvelope) {
    auto body = encode(make_message(job_run(), kOrigin, "env-id"));
    auto e = decode_envelope(body);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->id, "env-id");
    EXPECT_EQ(e->type, "job.run");
    EXPECT_EQ(e->correlation_id, "corr-1");
}

TEST(Messages, DecodeErrorNamesAMissingField) {
    auto doc = encoded(deploy_requested());
    doc["payload"].erase("revision");
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding deploy.requested: payload.revision: missing");
}

TEST(Messages, DecodeErrorNamesAMissingNestedField) {
    auto doc = encoded(deploy_requested());
    doc["payload"]["repo"].erase("clone_url");
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding deploy.requested: payload.repo.clone_url: missing");
}

TEST(Messages, DecodeErrorNamesAFieldOfTheWrongType) {
    auto doc = encoded(job_run());
    doc["payload"]["fencing_token"] = "3";
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload.fencing_token: expected an integer");

    auto doc2 = encoded(job_run());
    doc2["payload"]["kind"] = "destroy";
    auto r2 = decode<JobRun>(doc2.dump());
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message, "decoding job.run: payload.kind: unexpected value 'destroy'");
}

TEST(Messages, DecodeErrorNamesAnEmptyRequiredField) {
    auto doc = encoded(job_run());
    doc["payload"]["job_id"] = "";
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload.job_id: must not be empty");
}

// A field the C++ requires non-empty is refused when empty, and the error names it.
template <class T>
void expect_refused_when_empty(T payload, const json::json_pointer& field,
                               const std::string& path) {
    auto doc = encoded(std::move(payload));
    doc["payload"][field] = "";
    auto r = decode<T>(doc.dump());
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().message,
              "decoding " + std::string(T::kType) + ": payload." + path + ": must not be empty");
}

TEST(Messages, DecodeErrorNamesAnEmptyRequiredFieldOfEveryType) {
    expect_refused_when_empty(PushEvent{repo(), "refs/heads/main", kShaB, kShaA, "o", false},
                              json::json_pointer("/after"), "after");
    expect_refused_when_empty(pull_request_event(), json::json_pointer("/base_sha"), "base_sha");
    expect_refused_when_empty(check_run_event(), json::json_pointer("/head_sha"), "head_sha");
    expect_refused_when_empty(check_suite_event(), json::json_pointer("/action"), "action");
    expect_refused_when_empty(merge_group_event(), json::json_pointer("/head_sha"), "head_sha");
    expect_refused_when_empty(installation_event(), json::json_pointer("/action"), "action");
    expect_refused_when_empty(trigger_deploy(), json::json_pointer("/repository"), "repository");
    expect_refused_when_empty(trigger_deploy(), json::json_pointer("/user"), "user");
    expect_refused_when_empty(trigger_unlock(), json::json_pointer("/root"), "root");
    expect_refused_when_empty(trigger_confirm(), json::json_pointer("/user"), "user");
    expect_refused_when_empty(trigger_reject(), json::json_pointer("/user"), "user");
    expect_refused_when_empty(deploy_requested(), json::json_pointer("/revision"), "revision");
    expect_refused_when_empty(plan_requested(), json::json_pointer("/revision"), "revision");
    expect_refused_when_empty(config_invalid(), json::json_pointer("/file"), "file");
    expect_refused_when_empty(config_invalid(), json::json_pointer("/message"), "message");
    expect_refused_when_empty(root_deleted(), json::json_pointer("/revision"), "revision");
    expect_refused_when_empty(request_refused(), json::json_pointer("/reason"), "reason");
    expect_refused_when_empty(job_run(), json::json_pointer("/deployment_id"), "deployment_id");
    expect_refused_when_empty(JobState{"j", "d", 1, "e", "planned", "", plan(), ""},
                              json::json_pointer("/executor_id"), "executor_id");
    expect_refused_when_empty(deployment_state(), json::json_pointer("/deployment_id"),
                              "deployment_id");
    // Nested structs and arrays of them name the path down to the field.
    expect_refused_when_empty(plan_cancelled(), json::json_pointer("/repo/clone_url"),
                              "repo.clone_url");
    expect_refused_when_empty(root_deleted(), json::json_pointer("/root/workspace"),
                              "root.workspace");
    expect_refused_when_empty(deployment_state(),
                              json::json_pointer("/queue_ahead/0/deployment_id"),
                              "queue_ahead[].deployment_id");
    // An enumerated string that may not be empty says so rather than "unexpected value ''".
    expect_refused_when_empty(comment_event(), json::json_pointer("/command"), "command");
    expect_refused_when_empty(deployment_state(), json::json_pointer("/state"), "state");
}

TEST(Messages, DecodeErrorNamesAnUnexpectedValueOfTheNewEnums) {
    auto refused = [](auto payload, const char* key, const char* value) {
        using T = decltype(payload);
        auto doc = encoded(payload);
        doc["payload"][key] = value;
        auto r = decode<T>(doc.dump());
        EXPECT_FALSE(r.ok()) << key;
        if (r.ok()) return;
        EXPECT_EQ(r.error().message, "decoding " + std::string(T::kType) + ": payload." + key +
                                         ": unexpected value '" + value + "'");
    };
    refused(check_run_event(), "action", "completed");
    refused(comment_event(), "command", "destroy");
    refused(plan_requested(), "trigger", "merge");
    refused(deploy_requested(), "trigger", "pull_request");
    refused(request_refused(), "request", "destroy");
    refused(JobState{"j", "d", 1, "e", "planning", "", std::nullopt, ""}, "revision_order",
            "older");
    refused(JobState{"j", "d", 1, "e", "planning", "", std::nullopt, ""}, "state",
            "awaiting_review");
    refused(deployment_state(), "trigger", "schedule");
    refused(deployment_state(), "revision_order", "sideways");
    refused(deployment_state(), "kind", "apply");
}

TEST(Messages, DecodeErrorNamesAMissingNewField) {
    auto doc = encoded(job_run());
    doc["payload"].erase("attempt");
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload.attempt: missing");

    auto doc2 = encoded(deployment_state());
    doc2["payload"].erase("approved_by");
    auto r2 = decode<DeploymentState>(doc2.dump());
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message, "decoding deployment.state: payload.approved_by: missing");
}

// schemas/<type>.schema.json lists exactly the fields the C++ encodes, and requires all of them
// but the optional ones (check-emitted.sh then validates the values).
template <class T>
void expect_schema_lists_encoded_fields(T payload, const std::set<std::string>& optional = {}) {
    const std::string type(T::kType);
    SCOPED_TRACE(type);
    std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/schemas/" + type + ".schema.json");
    ASSERT_TRUE(in) << "no schemas/" << type << ".schema.json";
    auto schema = json::parse(in, nullptr, false);
    ASSERT_FALSE(schema.is_discarded());
    const json p = schema.at(json::json_pointer("/$defs/payload"));
    EXPECT_EQ(schema.at(json::json_pointer("/properties/type/const")), type);
    EXPECT_EQ(schema.at(json::json_pointer("/properties/version/const")), T::kVersion);
    EXPECT_EQ(p.value("additionalProperties", true), false);

    std::set<std::string> encoded_keys, properties, required;
    const json doc = encoded(std::move(payload));
    for (const auto& [key, value] : doc.at("payload").items()) encoded_keys.insert(key);
    for (const auto& [key, value] : p.at("properties").items()) properties.insert(key);
    for (const auto& key : p.at("required")) required.insert(key.get<std::string>());
    EXPECT_EQ(properties, encoded_keys);
    std::set<std::string> expected_required;
    for (const auto& key : encoded_keys)
        if (!optional.count(key)) expected_required.insert(key);
    EXPECT_EQ(required, expected_required);
}

TEST(Messages, EverySchemaListsExactlyTheEncodedFields) {
    expect_schema_lists_encoded_fields(
        PushEvent{repo(), "refs/heads/main", kShaB, kShaA, "o", false});
    expect_schema_lists_encoded_fields(pull_request_event());
    expect_schema_lists_encoded_fields(check_run_event());
    expect_schema_lists_encoded_fields(check_suite_event());
    expect_schema_lists_encoded_fields(comment_event());
    expect_schema_lists_encoded_fields(merge_group_event());
    expect_schema_lists_encoded_fields(installation_event());
    expect_schema_lists_encoded_fields(ping_event());
    expect_schema_lists_encoded_fields(trigger_deploy());
    expect_schema_lists_encoded_fields(trigger_unlock());
    expect_schema_lists_encoded_fields(trigger_confirm());
    expect_schema_lists_encoded_fields(trigger_reject());
    expect_schema_lists_encoded_fields(
        deploy_requested(), {"review_required", "reviewers", "apply_enabled", "apply_timeout"});
    expect_schema_lists_encoded_fields(plan_requested());
    expect_schema_lists_encoded_fields(plan_cancelled());
    expect_schema_lists_encoded_fields(config_invalid());
    expect_schema_lists_encoded_fields(root_deleted());
    expect_schema_lists_encoded_fields(request_refused());
    expect_schema_lists_encoded_fields(job_run(), {"apply_timeout"});
    expect_schema_lists_encoded_fields(JobState{"j", "d", 1, "e", "planned", "", plan(), ""},
                                       {"plan"});
    expect_schema_lists_encoded_fields(deployment_state(), {"plan"});
}

TEST(Messages, DecodeErrorNamesAnUnexpectedEnumValue) {
    auto doc = encoded(deploy_requested());
    doc["payload"]["trigger"] = "sometimes";
    auto r = decode<DeployRequested>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "decoding deploy.requested: payload.trigger: unexpected value 'sometimes'");
}

TEST(Messages, DecodeErrorNamesABadQueueEntry) {
    DeploymentState s;
    s.deployment_id = "d";
    s.repo = repo();
    s.root = root();
    s.revision = "r";
    s.kind = "deploy";
    s.trigger = "merge";
    s.state = "queued";
    s.queue_ahead = {{"other", "rev", "merge"}};
    auto doc = encoded(s);
    doc["payload"]["queue_ahead"][0]["deployment_id"] = 5;
    auto r = decode<DeploymentState>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "decoding deployment.state: payload.queue_ahead[].deployment_id: expected a string");
}

TEST(Messages, DecodeErrorNamesABadPlanField) {
    JobState s{"j", "d", 1, "e", "planned", "", plan(), ""};
    auto doc = encoded(s);
    doc["payload"]["plan"]["add"] = "one";
    auto r = decode<JobState>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.state: payload.plan.add: expected an integer");
}

TEST(Messages, DecodingAMessageOfAnotherTypeIsAnError) {
    auto body = encode(make_message(job_run(), kOrigin));
    auto r = decode<JobState>(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.state: message.type is 'job.run'");
}

TEST(Messages, UnsupportedVersionIsAnError) {
    auto doc = encoded(job_run());
    doc["version"] = 2;
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: unsupported version 2");
}

TEST(Messages, AVersionThatOverflowsAnIntIsNotMistakenForVersionOne) {
    auto doc = encoded(job_run());
    doc["version"] = 4294967297LL;  // 2^32 + 1
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("version"), std::string::npos) << r.error().message;
}

TEST(Messages, MissingEnvelopeFieldIsAnError) {
    auto doc = encoded(job_run());
    doc.erase("correlation_id");
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: message.correlation_id: missing");

    auto doc2 = encoded(job_run());
    doc2.erase("payload");
    auto r2 = decode<JobRun>(doc2.dump());
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().message, "decoding job.run: message.payload: missing");
}

TEST(Messages, PayloadThatIsNotAnObjectIsAnError) {
    auto doc = encoded(job_run());
    doc["payload"] = json::array();
    auto r = decode<JobRun>(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding job.run: payload: expected an object");
}

TEST(Messages, NotJsonIsAnError) {
    auto r = decode<PushEvent>("{not json");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding event.push: message is not valid JSON");

    auto trailing = decode<PushEvent>(
        encode(make_message(PushEvent{repo(), "refs/heads/main", "a", "b", "", false}, kOrigin)) +
        " garbage");
    EXPECT_FALSE(trailing.ok());

    EXPECT_FALSE(decode_envelope("").ok());
}

TEST(Messages, JsonThatIsNotAnObjectIsAnError) {
    auto r = decode<PushEvent>("[1,2,3]");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "decoding event.push: message: expected an object");
    EXPECT_FALSE(decode<PushEvent>("42").ok());
    EXPECT_FALSE(decode<PushEvent>("null").ok());
}

TEST(Messages, DerivedUuidIsStableAndUuidShaped) {
    auto a = derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0958");
    EXPECT_EQ(a, derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    EXPECT_NE(a, derived_uuid("github-delivery:72d3162e-cc78-11e3-81ab-4c9367dc0959"));
    std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    EXPECT_TRUE(std::regex_match(a, shape)) << a;
    EXPECT_TRUE(std::regex_match(derived_uuid(""), shape));
}

TEST(Messages, NewUuidIsUniqueAndVersionFour) {
    std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto id = new_uuid();
        ASSERT_TRUE(std::regex_match(id, shape)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Messages, InvalidUtf8InAPayloadDoesNotBreakEncoding) {
    PushEvent p{repo(), "refs/heads/main", "a", "b", "bad \xff user", false};
    std::string body;
    EXPECT_NO_THROW(body = encode(make_message(p, kOrigin)));
    auto r = decode<PushEvent>(body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->payload.pusher.rfind("bad ", 0), 0u);
}

}  // namespace
}  // namespace strata
