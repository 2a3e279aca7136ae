// Dispatch, fencing and leases (docs/job-protocol.md) on a real Redis, with a virtual clock:
// lost plans run again (bounded), lost applies time out and are never retried, stale tokens are
// refused, held plans lost while awaiting review are planned again on Confirm.
#include "scheduler_rules_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;
using LeaseTest = SchedulerFixture;

TEST_F(LeaseTest, LostApplyIsTimedOutNotRetried) {
    auto planned = plan(job(request("m1", rev(1), "merge")), "ahead", changes(1));
    request("m2", rev(2), "merge");
    auto a = job(planned, "apply");
    EXPECT_TRUE(h.take(a, "ex1"));
    report(a, "ex1", "started");
    report(a, "ex1", "applying");
    h.advance(30s);
    EXPECT_TRUE(h.renew(a.job_id, "ex1"));
    h.advance(61s);  // ex1 died mid-apply
    auto swept = expect(h.tick());
    auto s = swept.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "timed_out");
    EXPECT_NE(s->reason.find("not retried automatically"), std::string::npos);
    EXPECT_TRUE(swept.jobs_of_kind("apply").empty());
    EXPECT_EQ(job(swept).deployment_id, id("m2")) << "the root moves on";
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), rev(1));
    // Nothing ever sends that apply again, and the executor's late report changes nothing.
    h.advance(10min);
    EXPECT_TRUE(expect(h.tick()).jobs_of_kind("apply").empty());
    report(a, "ex1", "succeeded", "", {}, "", "stale");
    EXPECT_EQ(state_of(id("m1")), "timed_out");
}

TEST_F(LeaseTest, StaleFencingTokenIsRefused) {
    auto first = job(request("m1", rev(1), "merge"));
    EXPECT_TRUE(h.take(first, "ex1"));
    report(first, "ex1", "started");
    h.advance(61s);  // ex1 stops renewing: presumed dead
    auto again = job(expect(h.tick()));
    EXPECT_EQ(again.deployment_id, id("m1"));
    EXPECT_EQ(again.attempt, 2);
    EXPECT_GT(again.fencing_token, first.fencing_token);
    EXPECT_FALSE(h.take(first, "ex1")) << "the old job is stale for executors too";
    EXPECT_FALSE(h.renew(first.job_id, "ex1"));

    // ex1 comes back and reports its old plan: refused, nothing changes.
    auto before = h.describe(id("m1"));
    report(first, "ex1", "planned", "", changes(1), "", "stale");
    auto after = h.describe(id("m1"));
    EXPECT_EQ(after->seq, before->seq);
    EXPECT_EQ(after->state, before->state);

    auto planned = plan(again, "ahead", changes(1), "ex2");
    EXPECT_EQ(planned.jobs[0].first, "job.run.ex2");
    EXPECT_EQ(apply(job(planned, "apply"), true, "ex2").last_state(id("m1")), "succeeded");
}

TEST_F(LeaseTest, AJobStateOfAnotherJobOfTheSameDeploymentIsStale) {
    auto j = job(request("m1", rev(1), "merge"));
    auto other = j;
    other.job_id = id("m1") + ":999";
    report(other, "ex1", "planned", "", changes(1), "", "stale");
    auto apply_too_soon = j;
    apply_too_soon.job_id = j.job_id + ":apply";
    report(apply_too_soon, "ex1", "applying", "", {}, "", "stale");
    EXPECT_EQ(state_of(id("m1")), "queued");
}

TEST_F(LeaseTest, ALostPlanIsDispatchedAgainThenGivenUpAfterMaxAttempts) {
    auto j = job(request("m1", rev(1), "merge"));
    for (int attempt = 1; attempt <= 3; ++attempt) {
        EXPECT_EQ(j.attempt, attempt);
        EXPECT_TRUE(h.take(j, "ex" + std::to_string(attempt)));
        h.advance(61s);
        auto swept = expect(h.tick(60s, 3));
        if (attempt < 3) {
            j = job(swept);
            EXPECT_EQ(swept.last_state(id("m1")), "queued");
        } else {
            EXPECT_TRUE(swept.jobs.empty());
            EXPECT_EQ(swept.last_state(id("m1")), "failed");
            EXPECT_NE(swept.last(id("m1"))->reason.find("gave up after 3 attempts"),
                      std::string::npos);
        }
    }
}

TEST_F(LeaseTest, ARenewedLeaseIsNeverSwept) {
    auto j = job(request("m1", rev(1), "merge"));
    EXPECT_TRUE(h.take(j, "ex1"));
    for (int i = 0; i < 20; ++i) {
        h.advance(5s);
        EXPECT_TRUE(h.renew(j.job_id, "ex1"));
        EXPECT_TRUE(expect(h.tick()).states.empty());
    }
}

TEST_F(LeaseTest, ALostPlanAwaitingReviewIsPlannedAgainOnConfirmAndAppliesIfUnchanged) {
    auto j = job(request("m1", rev(1), "manual"));
    plan(j, "ahead", changes(2));
    h.advance(61s);
    auto lost = expect(h.tick());
    EXPECT_EQ(lost.last_state(id("m1")), "awaiting_review");
    EXPECT_NE(lost.last(id("m1"))->reason.find("Confirm plans it again"), std::string::npos);
    EXPECT_TRUE(lost.jobs.empty());

    auto confirmed = confirm(id("m1"));
    auto again = job(confirmed);
    EXPECT_EQ(again.kind, "deploy");
    EXPECT_EQ(again.attempt, 2);
    auto planned = plan(again, "ahead", changes(2), "ex2");
    EXPECT_EQ(planned.last_state(id("m1")), "confirmed");
    EXPECT_EQ(planned.jobs[0].first, "job.run.ex2");
    EXPECT_EQ(apply(job(planned, "apply"), true, "ex2").last_state(id("m1")), "succeeded");
}

TEST_F(LeaseTest, ALostPlanThatComesOutDifferentIsReviewedAgain) {
    plan(job(request("m1", rev(1), "manual")), "ahead", changes(2));
    h.advance(61s);
    expect(h.tick());
    auto again = job(confirm(id("m1")));
    auto planned = plan(again, "ahead", changes(3), "ex2");
    EXPECT_EQ(planned.last_state(id("m1")), "awaiting_review");
    EXPECT_TRUE(planned.last(id("m1"))->approved_by.empty());
    EXPECT_TRUE(planned.jobs.empty());
    EXPECT_EQ(job(confirm(id("m1"), "bob"), "apply").deployment_id, id("m1"));
}

TEST_F(LeaseTest, AHeldPlanLostAfterTheApplyWasSentTimesOut) {
    auto planned = plan(job(request("m1", rev(1), "merge")), "ahead", changes(1));
    job(planned, "apply");  // sent, never taken: ex1 died holding the plan
    h.advance(61s);
    auto swept = expect(h.tick());
    EXPECT_EQ(swept.last_state(id("m1")), "timed_out");
    EXPECT_TRUE(swept.jobs.empty());
}

TEST_F(LeaseTest, TheHeldPlansLeaseLeftBehindWhileItsApplyRunsIsIgnored) {
    auto j = job(request("m1", rev(1), "merge"));
    auto planned = plan(j, "ahead", changes(1));
    auto a = job(planned, "apply");
    EXPECT_TRUE(h.take(a, "ex1"));
    // An executor that left its held plan's lease behind: stale, but the apply is renewed.
    (void)h.call({"HSET", h.prefix + ":lease:" + j.job_id, "executor", "ex1", "fence",
                  std::to_string(j.fencing_token), "kind", "deploy", "deployment", id("m1"),
                  "renewed_at", std::to_string(h.now_ms)});
    (void)h.call({"ZADD", h.prefix + ":leases", std::to_string(h.now_ms), j.job_id});
    h.advance(61s);
    EXPECT_TRUE(h.renew(a.job_id, "ex1"));
    auto swept = expect(h.tick());
    EXPECT_TRUE(swept.states.empty());
    report(a, "ex1", "applying");
    EXPECT_EQ(report(a, "ex1", "succeeded").last_state(id("m1")), "succeeded");
}

TEST_F(LeaseTest, AReleasedJobIsDispatchedAgainWithANewFence) {
    auto j = job(request("m1", rev(1), "merge"));
    EXPECT_TRUE(h.take(j, "ex1"));
    report(j, "ex1", "started");
    auto released = report(j, "ex1", "released");
    auto again = job(released);
    EXPECT_GT(again.fencing_token, j.fencing_token);
    EXPECT_EQ(again.attempt, 2);
    EXPECT_EQ(released.last_state(id("m1")), "queued");
}

TEST_F(LeaseTest, AHeldPlanReleasedAfterConfirmIsPlannedAgainAndAppliedIfUnchanged) {
    auto j = job(request("m1", rev(1), "manual"));
    plan(j, "ahead", changes(1));
    confirm(id("m1"));  // the apply goes to ex1's queue, but ex1 shuts down first
    auto released = report(j, "ex1", "released");
    auto again = job(released);
    EXPECT_EQ(released.last_state(id("m1")), "confirmed");
    auto planned = plan(again, "ahead", changes(1), "ex2");
    EXPECT_EQ(planned.jobs[0].first, "job.run.ex2");
    job(planned, "apply");
}

TEST_F(LeaseTest, AHeldPlanReleasedWhileAwaitingReviewWaitsForConfirm) {
    auto j = job(request("m1", rev(1), "manual"));
    plan(j, "ahead", changes(1));
    auto released = report(j, "ex1", "released");
    EXPECT_TRUE(released.jobs.empty());
    EXPECT_EQ(released.last_state(id("m1")), "awaiting_review");
    EXPECT_EQ(job(confirm(id("m1"))).kind, "deploy");
}

}  // namespace
}  // namespace strata::scheduler::testing
