// The root's settings in the repository's strata.yaml (review.required, review.reviewers,
// apply.enabled, apply.timeout, carried by deploy.requested) combined with the operator's
// per-root policy on a real Redis: the operator's policy is the floor (docs/scheduler.md,
// "Repository settings").
#include "scheduler_rules_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

using RepoPolicyTest = SchedulerFixture;

DeployRequested with_repo(const std::string& revision, const std::string& trigger,
                          const std::string& review, std::vector<std::string> reviewers = {},
                          bool apply_enabled = true, const std::string& apply_timeout = "") {
    auto r = deploy_request(revision, trigger);
    r.review_required = review;
    r.reviewers = std::move(reviewers);
    r.apply_enabled = apply_enabled;
    r.apply_timeout = apply_timeout;
    return r;
}

TEST_F(RepoPolicyTest, RepoAlwaysMakesAMergeDeployThatIsAheadWaitForReview) {
    auto j = job(expect(h.deploy("m1", with_repo(rev(1), "merge", "always"))));
    auto planned = plan(j, "ahead", changes(1));
    auto s = planned.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "awaiting_review");
    EXPECT_EQ(s->reason,
              "strata.yaml requires a review of every deploy of this root (review.required: "
              "always)");
    EXPECT_TRUE(planned.jobs.empty()) << "no apply before a Confirm";
    job(confirm(id("m1")), "apply");
}

TEST_F(RepoPolicyTest, RepoNeverIsIgnoredWithoutTheOperatorsWaiver) {
    auto queued = expect(h.deploy("m1", with_repo(rev(1), "manual", "never")));
    auto q = queued.last(id("m1"));
    ASSERT_TRUE(q.has_value());
    EXPECT_NE(q->reason.find("review.required: never was ignored"), std::string::npos) << q->reason;
    auto planned = plan(job(queued), "ahead", changes(1));
    auto s = planned.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "awaiting_review");
    EXPECT_EQ(s->reason,
              "manually triggered deploys must be confirmed (strata.yaml's review.required: "
              "never was ignored: the operator's policy for this root does not allow waiving "
              "review)");
    EXPECT_EQ(h.describe(id("m1"))->fields["review_mode"], "auto");
}

TEST_F(RepoPolicyTest, RepoNeverIsHonouredWithTheOperatorsWaiver) {
    RootPolicy waiver;
    waiver.allow_review_waiver = true;
    auto j = job(expect(h.deploy("m1", with_repo(rev(1), "manual", "never"), waiver)));
    auto planned = plan(j, "ahead", changes(1));
    EXPECT_NE(planned.last_state(id("m1")), "awaiting_review");
    EXPECT_EQ(job(planned, "apply").deployment_id, id("m1"));
    EXPECT_EQ(h.describe(id("m1"))->fields["review_mode"], "never");
}

TEST_F(RepoPolicyTest, RepoNeverWithTheWaiverStillWaitsWhenTheRevisionOrderIsUnknown) {
    deploy_through(job(request("m0", rev(1), "merge")));
    RootPolicy waiver;
    waiver.allow_review_waiver = true;
    auto j = job(expect(h.deploy("m1", with_repo(rev(2), "merge", "never"), waiver)));
    EXPECT_TRUE(h.take(j, "ex1"));
    report(j, "ex1", "started");
    auto planned = report(j, "ex1", "planned", "", changes(1));  // no `planning` with the order
    EXPECT_EQ(planned.last_state(id("m1")), "awaiting_review");
}

TEST_F(RepoPolicyTest, TheOperatorsReviewersCannotBeWidenedByTheRepo) {
    RootPolicy policy;
    policy.reviewers = {"alice", "bob"};
    auto j = job(
        expect(h.deploy("m1", with_repo(rev(1), "manual", "auto", {"bob", "mallory"}), policy)));
    plan(j, "ahead", changes(1));
    EXPECT_EQ(h.describe(id("m1"))->fields["allowed"], R"(["bob"])");
    auto refused = confirm(id("m1"), "mallory", "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(refused.refusals[0].reason, "mallory may not review deployments of network");
    auto narrowed = confirm(id("m1"), "alice", "refused");
    ASSERT_EQ(narrowed.refusals.size(), 1u) << "the repository narrowed the list to bob";
    EXPECT_EQ(confirm(id("m1"), "bob").last_state(id("m1")), "confirmed");
}

TEST_F(RepoPolicyTest, RepoReviewersApplyWhenTheOperatorListsNone) {
    auto j = job(expect(h.deploy("m1", with_repo(rev(1), "manual", "auto", {"carol"}))));
    plan(j, "ahead", changes(1));
    auto refused = confirm(id("m1"), "alice", "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(confirm(id("m1"), "carol").last_state(id("m1")), "confirmed");
}

TEST_F(RepoPolicyTest, ApplyDisabledEndsSkippedAfterThePlanWithoutApplying) {
    auto j = job(expect(h.deploy("m1", with_repo(rev(1), "merge", "auto", {}, false))));
    auto planned = plan(j, "ahead", changes(1));
    auto s = planned.last(id("m1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, "skipped");
    EXPECT_EQ(s->reason,
              "apply is disabled for this root in strata.yaml (apply.enabled: false): planned, "
              "not applied");
    EXPECT_TRUE(planned.jobs_of_kind("apply").empty());
    EXPECT_EQ(planned.jobs_of_kind("discard").size(), 1u) << "the held plan is dropped";
    EXPECT_EQ(get(h.root_key("network", "last_attempted")), "") << "nothing was applied";
    // The root is free for the next deployment.
    EXPECT_EQ(job(request("m2", rev(2), "merge")).deployment_id, id("m2"));
}

TEST_F(RepoPolicyTest, TheApplyTimeoutGoesWithEveryJobOfTheDeployment) {
    auto j = job(expect(h.deploy("m1", with_repo(rev(1), "merge", "auto", {}, true, "45m"))));
    EXPECT_EQ(j.apply_timeout, "45m");
    auto a = job(plan(j, "ahead", changes(1)), "apply");
    EXPECT_EQ(a.apply_timeout, "45m");
}

TEST_F(RepoPolicyTest, SettingsAreRecordedAtEnqueueAndDoNotFollowLaterChanges) {
    // Queued behind m0 with `always`; a later request for another revision says `never` (with
    // the waiver): the queued deployment keeps what it was enqueued with.
    auto j0 = job(request("m0", rev(1), "merge"));
    expect(h.deploy("m1", with_repo(rev(2), "merge", "always")));
    RootPolicy waiver;
    waiver.allow_review_waiver = true;
    expect(h.deploy("m2", with_repo(rev(3), "merge", "never"), waiver));
    auto next = deploy_through(j0);
    auto j1 = job(next);
    EXPECT_EQ(j1.deployment_id, id("m1"));
    EXPECT_EQ(plan(j1, "ahead", changes(1)).last_state(id("m1")), "awaiting_review");
}

TEST_F(RepoPolicyTest, ADeployRequestWithoutRepoSettingsBehavesAsBefore) {
    auto r = deploy_request(rev(1), "merge");
    // As decoded from an older planner: the defaults.
    auto planned = plan(job(expect(h.deploy("m1", r))), "ahead", changes(1));
    EXPECT_EQ(job(planned, "apply").deployment_id, id("m1"));
    auto d = h.describe(id("m1"));
    EXPECT_EQ(d->fields["review_mode"], "auto");
    EXPECT_EQ(d->fields["apply_enabled"], "1");
}

}  // namespace
}  // namespace strata::scheduler::testing
