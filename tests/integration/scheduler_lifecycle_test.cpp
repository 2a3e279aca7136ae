// A deployment's lifecycle on a real Redis: revision order as the executor reports it, plan
// review (who must confirm, how many, until when), the last attempted revision, and cross-root
// order of one commit's roots.
#include "scheduler_rules_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;
using LifecycleTest = SchedulerFixture;

TEST_F(LifecycleTest, MergeDeployThatIsAheadAppliesWithoutReview) {
    auto j = job(request("m1", rev(1), "merge"));
    EXPECT_EQ(j.kind, "deploy");
    EXPECT_EQ(j.attempt, 1);
    EXPECT_EQ(j.job_id, id("m1") + ":" + std::to_string(j.fencing_token));
    auto planned = plan(j, "none", changes(2));
    auto a = job(planned, "apply");
    EXPECT_EQ(planned.jobs[0].first, "job.run.ex1") << "the apply goes to the executor holding it";
    EXPECT_EQ(a.fencing_token, j.fencing_token);
    EXPECT_EQ(a.job_id, j.job_id + ":apply");
    auto done = apply(a);
    auto s = done.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "succeeded");
    EXPECT_FALSE(s->apply_started_at.empty());
    EXPECT_FALSE(s->finished_at.empty());
    EXPECT_EQ(s->executor_id, "ex1");
    ASSERT_TRUE(s->plan.has_value());
    EXPECT_EQ(s->plan->add, 2);
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), rev(1));
    EXPECT_EQ(h.describe(id("m1"))->fence, 0) << "a finished deployment's jobs are all stale";
}

TEST_F(LifecycleTest, EveryChangeIsPublishedWithAGrowingSequenceNumber) {
    std::vector<DeploymentState> seen;
    auto collect = [&](const Published& p) {
        for (const auto& s : p.states)
            if (s.deployment_id == id("m1")) seen.push_back(s);
    };
    auto queued = request("m1", rev(1), "merge");
    collect(queued);
    auto j = job(queued);
    EXPECT_TRUE(h.take(j, "ex1"));
    collect(report(j, "ex1", "started"));
    collect(report(j, "ex1", "planning", "ahead"));
    auto planned = report(j, "ex1", "planned", "", changes(1));
    collect(planned);
    auto a = job(planned, "apply");
    EXPECT_TRUE(h.take(a, "ex1"));
    collect(report(a, "ex1", "started"));
    collect(report(a, "ex1", "applying"));
    collect(report(a, "ex1", "succeeded"));
    std::vector<std::string> states;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        states.push_back(seen[i].state);
        if (i > 0) {
            EXPECT_GT(seen[i].seq, seen[i - 1].seq);
        }
    }
    EXPECT_EQ(states, (Ids{"queued", "planning", "planning", "planning", "applying", "succeeded"}));
}

TEST_F(LifecycleTest, BehindRevisionIsSkipped) {
    deploy_through(job(request("m1", rev(5), "merge")));
    auto j = job(request("m2", rev(3), "merge"));
    EXPECT_EQ(j.last_attempted_revision, rev(5));
    request("m3", rev(6), "merge");
    EXPECT_TRUE(h.take(j, "ex1"));
    report(j, "ex1", "started");
    auto behind = report(j, "ex1", "planning", "behind");
    auto s = behind.last(id("m2"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "failed");
    EXPECT_NE(s->reason.find("behind the current revision and will not be deployed"),
              std::string::npos)
        << s->reason;
    EXPECT_FALSE(h.renew(j.job_id, "ex1")) << "the executor is told to stop";
    EXPECT_EQ(job(behind).deployment_id, id("m3")) << "the next one goes";
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), rev(5)) << "behind is not attempted";
}

TEST_F(LifecycleTest, ForcedManualDeployOfABehindRevisionIsPlannedAndReviewed) {
    deploy_through(job(request("m1", rev(5), "merge")));
    auto r = deploy_request(rev(3), "manual");
    r.force = true;
    auto j = job(expect(h.deploy("m2", r)));
    auto planned = plan(j, "behind", changes(1));
    EXPECT_EQ(planned.last_state(id("m2")), "awaiting_review");
    EXPECT_TRUE(planned.last(id("m2"))->force);
}

TEST_F(LifecycleTest, DivergedRevisionNeedsReviewEvenForAMergeDeploy) {
    auto planned = plan(job(request("m1", rev(1), "merge")), "diverged", changes(1));
    auto s = planned.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "awaiting_review");
    EXPECT_EQ(s->revision_order, "diverged");
    EXPECT_TRUE(planned.jobs_of_kind("apply").empty());
    auto confirmed = confirm(id("m1"));
    EXPECT_EQ(confirmed.last_state(id("m1")), "confirmed");
    EXPECT_EQ(confirmed.last(id("m1"))->approved_by, Ids{"alice"});
    EXPECT_FALSE(confirmed.last(id("m1"))->approved_at.empty());
    EXPECT_EQ(apply(job(confirmed, "apply")).last_state(id("m1")), "succeeded");
}

TEST_F(LifecycleTest, APlanReportedBeforeItsRevisionOrderIsReviewedNotGuessed) {
    deploy_through(job(request("m1", rev(1), "merge")));
    auto j = job(request("m2", rev(2), "merge"));
    EXPECT_TRUE(h.take(j, "ex1"));
    auto planned = report(j, "ex1", "planned", "", changes(1));  // `planning` got lost or late
    EXPECT_EQ(planned.last_state(id("m2")), "awaiting_review");
    EXPECT_TRUE(planned.jobs.empty());
    report(j, "ex1", "planning", "behind", {}, "", "stale");
}

TEST_F(LifecycleTest, AnEmptyPlanSucceedsWithoutReviewAndItsPlanIsDiscarded) {
    auto j = job(request("m1", rev(1), "manual"));
    auto planned = plan(j, "ahead", changes(0));
    EXPECT_EQ(planned.last_state(id("m1")), "succeeded");
    auto discard = job(planned, "discard");
    EXPECT_EQ(planned.jobs[0].first, "job.run.ex1");
    EXPECT_EQ(discard.job_id, j.job_id + ":discard");
    EXPECT_TRUE(h.take(discard, "ex1")) << "a discard is honoured although the fence moved on";
    EXPECT_EQ(h.call({"ZCARD", h.prefix + ":leases"})->integer, 0);
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), rev(1));
}

TEST_F(LifecycleTest, ManualDeployWaitsForConfirm) {
    auto planned = plan(job(request("m1", rev(1), "manual")), "ahead", changes(1));
    EXPECT_EQ(planned.last_state(id("m1")), "awaiting_review");
    EXPECT_TRUE(planned.jobs.empty());
    auto confirmed = confirm(id("m1"));
    EXPECT_EQ(job(confirmed, "apply").deployment_id, id("m1"));
}

TEST_F(LifecycleTest, ConfirmFromSomeoneNotAllowedIsRefusedAndReported) {
    RootPolicy policy;
    policy.reviewers = {"alice", "bob"};
    plan(job(request("m1", rev(1), "manual", "network", {}, policy)), "ahead", changes(1));
    auto refused = confirm(id("m1"), "mallory", "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(refused.refusals[0].request, "confirm");
    EXPECT_EQ(refused.refusals[0].user, "mallory");
    EXPECT_EQ(refused.refusals[0].deployment_id, id("m1"));
    EXPECT_EQ(refused.refusals[0].reason, "mallory may not review deployments of network");
    EXPECT_EQ(state_of(id("m1")), "awaiting_review");
    EXPECT_EQ(confirm(id("m1"), "Bob").last_state(id("m1")), "confirmed");
}

TEST_F(LifecycleTest, TwoDistinctApproversAreNeededWhenTheRootSaysSo) {
    RootPolicy policy;
    policy.approvers_required = 2;
    plan(job(request("m1", rev(1), "manual", "network", {}, policy)), "ahead", changes(1));
    auto one = confirm(id("m1"), "alice");
    EXPECT_EQ(one.last_state(id("m1")), "awaiting_review");
    EXPECT_EQ(one.last(id("m1"))->approved_by, Ids{"alice"});
    EXPECT_TRUE(one.jobs.empty());
    auto again = confirm(id("m1"), "alice", "refused");
    ASSERT_EQ(again.refusals.size(), 1u);
    EXPECT_EQ(again.refusals[0].reason, "alice has already confirmed this plan");
    auto two = confirm(id("m1"), "bob");
    EXPECT_EQ(two.last_state(id("m1")), "confirmed");
    EXPECT_EQ(two.last(id("m1"))->approved_by, (Ids{"alice", "bob"}));
    job(two, "apply");
}

TEST_F(LifecycleTest, ConfirmOfADeploymentNotAwaitingReviewIsRefused) {
    job(request("m1", rev(1), "manual"));
    auto refused = confirm(id("m1"), "alice", "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(refused.refusals[0].reason, "the deployment is queued, not awaiting review");
}

TEST_F(LifecycleTest, ConfirmByRootNamesTheDeploymentAwaitingReview) {
    plan(job(request("m1", rev(1), "manual")), "ahead", changes(1));
    auto c = expect(h.review("cli-1", ReviewRequest{"confirm", kRepo, "", "network", "erin", ""}));
    EXPECT_EQ(c.last_state(id("m1")), "confirmed");
}

TEST_F(LifecycleTest, RejectEndsTheDeploymentAndDiscardsThePlan) {
    auto j = job(request("m1", rev(1), "manual"));
    plan(j, "ahead", changes(1));
    auto rejected = reject(id("m1"));
    EXPECT_EQ(rejected.last_state(id("m1")), "rejected");
    EXPECT_EQ(rejected.last(id("m1"))->reason, "rejected by alice: no");
    EXPECT_EQ(job(rejected, "discard").job_id, j.job_id + ":discard");
    EXPECT_TRUE(get(h.root_key("network", "last_attempted")).empty()) << "rejected: not attempted";
}

TEST_F(LifecycleTest, NoAnswerWithinTheReviewTimeoutIsReviewTimedOut) {
    RootPolicy policy;
    policy.review_timeout = 7 * 24h;
    policy.queue_expiry = 0ms;  // m2 waits as long as it takes
    auto j = job(request("m1", rev(1), "manual", "network", {}, policy));
    request("m2", rev(2), "manual", "network", {}, policy);
    plan(j, "ahead", changes(1));
    h.advance(7 * 24h - 1min);
    EXPECT_TRUE(h.renew(j.job_id, "ex1"));
    EXPECT_TRUE(expect(h.tick()).states.empty());
    h.advance(2min);
    EXPECT_TRUE(h.renew(j.job_id, "ex1"));
    auto timed_out = expect(h.tick());
    EXPECT_EQ(timed_out.last_state(id("m1")), "review_timed_out");
    job(timed_out, "discard");
    EXPECT_EQ(job(timed_out).deployment_id, id("m2"));
}

TEST_F(LifecycleTest, FailedApplyStillCountsAsTheLastAttemptedRevision) {
    deploy_through(job(request("m1", rev(1), "merge")));
    auto planned = plan(job(request("m2", rev(2), "merge")), "ahead", changes(1));
    auto failed = apply(job(planned, "apply"), false);
    EXPECT_EQ(failed.last_state(id("m2")), "failed");
    EXPECT_EQ(failed.last(id("m2"))->reason, "Error: apply failed");
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), rev(2));
    auto r = deploy_request(rev(2), "manual");
    r.rerun = true;
    EXPECT_EQ(job(expect(h.deploy("m3", r))).last_attempted_revision, rev(2));
}

TEST_F(LifecycleTest, DependentRootWaitsForUpstream) {
    // One commit changed network and app; app depends on network. app's request came first.
    auto app = request("a1", rev(7), "merge", "app", {"network"});
    EXPECT_TRUE(app.jobs.empty());
    EXPECT_EQ(app.last_state(id("a1")), "queued");
    EXPECT_EQ(app.last(id("a1"))->reason,
              "waiting for network to deploy " + rev(7).substr(0, 7) + " first");
    auto net = job(request("n1", rev(7), "merge", "network"));
    auto planned = plan(net, "ahead", changes(1));
    EXPECT_TRUE(planned.jobs_of_kind("deploy").empty()) << "app must wait for network's apply";
    auto done = apply(job(planned, "apply"));
    EXPECT_EQ(done.last_state(id("n1")), "succeeded");
    EXPECT_EQ(job(done).deployment_id, id("a1"));
}

TEST_F(LifecycleTest, UpstreamWithNothingToDeployReleasesTheDependent) {
    request("a1", rev(7), "merge", "app", {"network"});
    auto net = job(request("n1", rev(7), "merge", "network"));
    auto planned = plan(net, "ahead", changes(0));
    EXPECT_EQ(planned.last_state(id("n1")), "succeeded");
    EXPECT_EQ(job(planned).deployment_id, id("a1"));
}

TEST_F(LifecycleTest, UpstreamFailureSkipsTheDependentWithTheReason) {
    request("a1", rev(7), "merge", "app", {"network"});
    request("a2", rev(8), "merge", "app");
    auto net = job(request("n1", rev(7), "merge", "network"));
    EXPECT_TRUE(h.take(net, "ex1"));
    auto failed = report(net, "ex1", "failed", "", {}, "terraform plan failed");
    EXPECT_EQ(failed.last_state(id("a1")), "skipped");
    EXPECT_EQ(failed.last(id("a1"))->reason,
              "upstream root network did not deploy " + rev(7).substr(0, 7) + " (failed)");
    EXPECT_EQ(job(failed).deployment_id, id("a2")) << "the next item of app goes";
}

TEST_F(LifecycleTest, UpstreamSupersededByALaterRevisionThatSucceededReleasesTheDependent) {
    RootPolicy coalesce;
    coalesce.coalesce_merges = true;
    auto first = job(request("n0", rev(6), "merge", "network", {}, coalesce));
    request("n1", rev(7), "merge", "network", {}, coalesce);
    request("a1", rev(7), "merge", "app", {"network"});
    request("n2", rev(8), "merge", "network", {}, coalesce);  // supersedes n1
    EXPECT_EQ(state_of(id("n1")), "skipped");
    auto next = job(deploy_through(first));
    EXPECT_EQ(next.deployment_id, id("n2"));
    auto done = deploy_through(next);
    EXPECT_EQ(job(done).deployment_id, id("a1"));
}

}  // namespace
}  // namespace strata::scheduler::testing
