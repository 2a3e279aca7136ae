// The DeploymentStore itself on a real Redis, each test under its own key prefix: idempotent
// redelivery, the outbox (what a transition must publish survives a crash before publishing),
// queue descriptions, pull-request plans, and the RequestRouter's mapping of messages.
#include "scheduler_rules_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;
using DeploymentStoreTest = SchedulerFixture;

TEST_F(DeploymentStoreTest, RedeliveryChangesNothingAndReturnsWhatWasNotPublishedYet) {
    auto t1 = h.deploy("m1", deploy_request(rev(1), "merge"));
    ASSERT_TRUE(t1.ok());
    ASSERT_EQ(t1->entries.size(), 2u);  // job.run and deployment.state
    auto before = h.describe(id("m1"));

    // The scheduler died before publishing: the redelivery gets the same entries.
    auto t2 = h.deploy("m1", deploy_request(rev(1), "merge"));
    ASSERT_TRUE(t2.ok());
    EXPECT_EQ(t2->status, "duplicate");
    ASSERT_EQ(t2->entries.size(), 2u);
    EXPECT_EQ(t2->entries[0].id, t1->entries[0].id);
    EXPECT_EQ(t2->entries[1].fields, t1->entries[1].fields);
    auto after = h.describe(id("m1"));
    EXPECT_EQ(after->seq, before->seq);
    EXPECT_EQ(after->fence, before->fence);
    EXPECT_EQ(get(h.root_key("network", "fence")), "1");

    // Once published (and removed), a redelivery publishes nothing more.
    ASSERT_TRUE(h.outbox_done(*t1).ok());
    auto t3 = h.deploy("m1", deploy_request(rev(1), "merge"));
    ASSERT_TRUE(t3.ok());
    EXPECT_EQ(t3->status, "duplicate");
    EXPECT_TRUE(t3->entries.empty());
}

TEST_F(DeploymentStoreTest, RepublishedEntriesCarryTheSameMessageIds) {
    auto t = h.deploy("m1", deploy_request(rev(1), "merge"));
    ASSERT_TRUE(t.ok());
    auto a = decode(*t);
    auto b = decode(*h.deploy("m1", deploy_request(rev(1), "merge")));
    ASSERT_EQ(a.states.size(), 1u);
    ASSERT_EQ(b.states.size(), 1u);
    EXPECT_EQ(a.states[0].seq, b.states[0].seq);
    EXPECT_EQ(a.jobs[0].second.job_id, b.jobs[0].second.job_id);
}

TEST_F(DeploymentStoreTest, TheOutboxPumpFindsEntriesLeftBehindByACrash) {
    auto t = h.deploy("m1", deploy_request(rev(1), "merge"));
    ASSERT_TRUE(t.ok());
    h.restart_scheduler();  // died before publishing; nobody redelivers a timer's work
    auto due = h.outbox_due(0ms);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->entries.size(), 2u);
    EXPECT_EQ(due->entries[0].id, t->entries[0].id);
    auto young = h.outbox_due(1h);
    ASSERT_TRUE(young.ok());
    EXPECT_TRUE(young->entries.empty()) << "entries within the grace period are left alone";
    ASSERT_TRUE(h.outbox_done(*due).ok());
    EXPECT_TRUE(h.outbox_due(0ms)->entries.empty());
}

TEST_F(DeploymentStoreTest, ARedeliveredRequestUnderANewMessageIdIsNotQueuedTwice) {
    job(request("m1", rev(1), "merge"));
    request("m2", rev(2), "merge");
    EXPECT_EQ(list("network", "merge"), Ids{id("m2")});
    // The same deployment id (a planner redelivery maps to the same message id) ...
    auto again = h.deploy("m2", deploy_request(rev(2), "merge"));
    EXPECT_EQ(again->status, "duplicate");
    EXPECT_EQ(list("network", "merge"), Ids{id("m2")});
}

TEST_F(DeploymentStoreTest, DescribeGivesTheQueueAheadInOrder) {
    job(request("m1", rev(1), "merge"));
    request("m2", rev(2), "merge");
    request("m3", rev(3), "merge");
    request("m4", rev(4), "manual");
    auto d3 = h.describe(id("m3"));
    ASSERT_TRUE(d3.ok()) << d3.error().message;
    Ids ahead;
    for (const auto& q : d3->queue_ahead) ahead.push_back(q.deployment_id);
    EXPECT_EQ(ahead, (Ids{id("m1"), id("m4"), id("m2")}));
    EXPECT_EQ(d3->queue_ahead[1].revision, rev(4));
    EXPECT_EQ(d3->queue_ahead[1].trigger, "manual");
    EXPECT_TRUE(h.describe(id("m1"))->queue_ahead.empty()) << "in flight: nothing ahead";
}

TEST_F(DeploymentStoreTest, DescribingAnUnknownDeploymentIsAnError) {
    auto d = h.describe("no-such-deployment");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message, "deployment no-such-deployment does not exist");
}

PlanRequested plan_request(const std::string& revision, long long pull,
                           const std::string& root = "network") {
    PlanRequested p;
    p.repo = kRepo;
    p.root = RootRef{root, "envs/" + root, "default", ""};
    p.revision = revision;
    p.base_revision = rev(0);
    p.pull_number = pull;
    p.head_ref = "feature";
    p.trigger = "pull_request";
    p.user = "octocat";
    return p;
}

TEST_F(DeploymentStoreTest, PullRequestPlansTakeNoLockAndRunConcurrently) {
    job(request("m1", rev(1), "manual"));  // the root is busy and locked
    auto p1 = expect(h.plan("p1", plan_request(rev(10), 5)));
    auto p2 = expect(h.plan("p2", plan_request(rev(11), 6)));
    auto j1 = job(p1, "plan");
    auto j2 = job(p2, "plan");
    EXPECT_EQ(p1.jobs[0].first, "job.run");
    EXPECT_EQ(j1.pull_number, 5);
    EXPECT_EQ(p1.states[0].kind, "plan");
    EXPECT_EQ(p1.states[0].pull_number, 5);
    EXPECT_TRUE(h.take(j1, "ex1"));
    report(j1, "ex1", "started");
    auto done = report(j1, "ex1", "planned", "", changes(3));
    auto s = done.last(j1.deployment_id);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "succeeded");
    EXPECT_EQ(s->plan->add, 3);
    EXPECT_TRUE(done.jobs.empty()) << "a plan is never applied";
    EXPECT_EQ(state_of(id("m1")), "queued") << "plans do not touch the deploy queue";
    (void)j2;
}

TEST_F(DeploymentStoreTest, ANewerHeadCancelsTheOlderPlanOfTheSamePullRequestAndRoot) {
    auto old_plan = job(expect(h.plan("p1", plan_request(rev(10), 5))), "plan");
    EXPECT_TRUE(h.take(old_plan, "ex1"));
    auto other_root = job(expect(h.plan("p2", plan_request(rev(10), 5, "dns"))), "plan");
    auto newer = expect(h.plan("p3", plan_request(rev(12), 5)));
    EXPECT_EQ(newer.last_state(old_plan.deployment_id), "cancelled");
    EXPECT_FALSE(h.renew(old_plan.job_id, "ex1")) << "the executor planning it is stopped";
    EXPECT_EQ(job(newer, "plan").revision, rev(12));
    EXPECT_EQ(state_of(other_root.deployment_id), "queued");
    // The same head again is not planned twice.
    EXPECT_TRUE(expect(h.plan("p4", plan_request(rev(12), 5))).jobs.empty());
}

TEST_F(DeploymentStoreTest, PlanCancelledCancelsTheUnfinishedPlansOfThePullRequest) {
    auto a = job(expect(h.plan("p1", plan_request(rev(10), 5))), "plan");
    auto b = job(expect(h.plan("p2", plan_request(rev(10), 5, "dns"))), "plan");
    auto c = job(expect(h.plan("p3", plan_request(rev(10), 6))), "plan");
    auto cancelled = expect(h.cancel("x1", PlanCancelled{kRepo, 5, "", "pull request closed"}));
    EXPECT_EQ(cancelled.last_state(a.deployment_id), "cancelled");
    EXPECT_EQ(cancelled.last_state(b.deployment_id), "cancelled");
    EXPECT_EQ(cancelled.last(a.deployment_id)->reason, "pull request closed");
    EXPECT_EQ(state_of(c.deployment_id), "queued");
}

TEST_F(DeploymentStoreTest, TheRouterMapsCheckRunButtonsToTheDeployment) {
    auto j = job(request("m1", rev(1), "manual"));
    plan(j, "ahead", changes(1));
    CheckRunEvent e;
    e.repo = kRepo;
    e.action = "requested_action";
    e.external_id = id("m1");
    e.head_sha = rev(1);
    e.identifier = "confirm";
    e.user = "alice";
    auto handled = h.route(std::string(CheckRunEvent::kType),
                           encode(make_message(e, Origin{"ingest", "cid-1", ""})));
    ASSERT_EQ(handled.outcome, Handled::Outcome::Done) << handled.error;
    EXPECT_EQ(handled.transition.status, "ok");
    EXPECT_EQ(decode(handled.transition).last_state(id("m1")), "confirmed");
    e.action = "rerequested";
    auto rerun = h.route(std::string(CheckRunEvent::kType),
                         encode(make_message(e, Origin{"ingest", "cid-2", ""})));
    EXPECT_EQ(rerun.transition.status, "ignored") << "re-runs are the planner's";
}

Handled comment(StoreHarness& h, const std::string& command, std::vector<std::string> roots,
                const std::string& msg) {
    CommentCommandEvent e;
    e.repo = kRepo;
    e.number = 42;
    e.comment_id = 7;
    e.command = command;
    e.args = std::move(roots);
    e.user = "alice";
    return h.route(std::string(CommentCommandEvent::kType),
                   encode(make_message(e, Origin{"ingest", msg, ""}, msg)));
}

TEST_F(DeploymentStoreTest, ACommentConfirmsOrRejectsThePlansOfTheRootsItNames) {
    auto net = job(request("m1", rev(1), "manual", "network"));
    auto dns = job(request("m2", rev(1), "manual", "dns"));
    auto db = job(request("m3", rev(1), "manual", "db"));
    for (const auto& j : {net, dns, db}) plan(j, "ahead", changes(1));

    auto confirmed = comment(h, "confirm", {"network", "dns", "ghost"}, "c1");
    ASSERT_EQ(confirmed.outcome, Handled::Outcome::Done) << confirmed.error;
    EXPECT_EQ(confirmed.transition.status, "ok");
    auto p = decode(confirmed.transition);
    EXPECT_EQ(p.jobs_of_kind("apply").size(), 2u);
    EXPECT_EQ(p.last_state(id("m1")), "confirmed");
    EXPECT_EQ(p.last_state(id("m2")), "confirmed");
    ASSERT_EQ(p.refusals.size(), 1u) << "the root with nothing awaiting review is reported";
    EXPECT_EQ(p.refusals[0].root, "ghost");
    EXPECT_EQ(state_of(id("m3")), "awaiting_review") << "a root not named is left alone";

    auto rejected = comment(h, "reject", {"db"}, "c2");
    EXPECT_EQ(rejected.transition.status, "ok");
    EXPECT_EQ(decode(rejected.transition).last_state(id("m3")), "rejected");

    auto unnamed = comment(h, "confirm", {}, "c3");
    EXPECT_EQ(unnamed.transition.status, "refused") << "a confirm names its roots";
    auto plan_comment = comment(h, "plan", {}, "c4");
    EXPECT_EQ(plan_comment.transition.status, "ignored") << "plan comments are the planner's";
}

TEST_F(DeploymentStoreTest, TheRouterDeadLettersWhatCannotSucceed) {
    EXPECT_EQ(h.route("deploy.requested", "{not json").outcome, Handled::Outcome::DeadLetter);
    TriggerConfirm nothing;
    nothing.user = "alice";
    auto h2 = h.route(std::string(TriggerConfirm::kType),
                      encode(make_message(nothing, Origin{"cli", "c", ""})));
    EXPECT_EQ(h2.outcome, Handled::Outcome::DeadLetter);
}

TEST_F(DeploymentStoreTest, TheRouterGivesDeployRequestsTheirRootsPolicy) {
    auto table = PolicyTable::parse("acme/infra||net*  approvers=2", RootPolicy{});
    ASSERT_TRUE(table.ok());
    h.settings.policies = *table;
    auto body =
        encode(make_message(deploy_request(rev(1), "manual"), Origin{"planner", "c", ""}, "msg-1"));
    auto handled = h.route("deploy.requested", body);
    ASSERT_EQ(handled.outcome, Handled::Outcome::Done) << handled.error;
    auto d = h.describe(RequestRouter::deployment_id_for("msg-1"));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->fields["approvers_required"], "2");
}

}  // namespace
}  // namespace strata::scheduler::testing
