// The queue rules of the scheduler on a real Redis: two FIFO priorities, can_pop, the queue lock
// and unlock, duplicate manual requests, reruns, coalescing and expiry of queued items.
#include "scheduler_rules_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;
using QueueTest = SchedulerFixture;

TEST_F(QueueTest, ManualDeployJumpsAheadOfMergeDeploys) {
    auto first = job(request("m1", rev(1), "merge"));
    request("m2", rev(2), "merge");
    request("m3", rev(3), "merge");
    auto manual = request("m4", rev(4), "manual");
    EXPECT_TRUE(manual.jobs.empty()) << "one deployment in flight per root";
    // The merge items waiting now have the manual one ahead of them.
    auto d2 = manual.last(id("m2"));
    ASSERT_TRUE(d2.has_value());
    ASSERT_EQ(d2->queue_ahead.size(), 2u);
    EXPECT_EQ(d2->queue_ahead[0].deployment_id, id("m1"));
    EXPECT_EQ(d2->queue_ahead[1].deployment_id, id("m4"));
    EXPECT_EQ(d2->queue_ahead[1].trigger, "manual");

    auto done = deploy_through(first);
    EXPECT_EQ(done.last_state(id("m1")), "succeeded");
    EXPECT_EQ(job(done).deployment_id, id("m4"));
    EXPECT_EQ(list("network", "merge"), (Ids{id("m2"), id("m3")}));
}

TEST_F(QueueTest, MergeDeploysWaitWhileLocked) {
    auto manual = job(request("m1", rev(1), "manual"));
    auto merge = request("m2", rev(2), "merge");
    EXPECT_EQ(merge.last_state(id("m2")), "locked");
    EXPECT_FALSE(get(h.root_key("network", "inflight")).empty());

    // The manual deploy needs a Confirm, then applies; the merge item still waits.
    auto planned = plan(manual, "ahead", changes(2));
    EXPECT_EQ(planned.last_state(id("m1")), "awaiting_review");
    auto confirmed = confirm(id("m1"));
    auto done = apply(job(confirmed, "apply"));
    EXPECT_EQ(done.last_state(id("m1")), "succeeded");
    EXPECT_TRUE(done.jobs.empty()) << "a merge item popped while the queue is locked";
    EXPECT_EQ(state_of(id("m2")), "locked");
    EXPECT_EQ(list("network", "merge"), Ids{id("m2")});

    // Another manual item may still pop while locked.
    auto again = request("m3", rev(3), "manual");
    EXPECT_EQ(job(again).deployment_id, id("m3"));
}

TEST_F(QueueTest, UnlockReleasesMergeDeploysInOrder) {
    auto manual = job(request("m1", rev(1), "manual"));
    request("m2", rev(2), "merge");
    request("m3", rev(3), "merge");
    request("m4", rev(4), "merge");
    plan(manual, "ahead", changes(1));
    reject(id("m1"));  // the manual deploy ends; the lock stays
    EXPECT_EQ(state_of(id("m2")), "locked");

    auto unlocked = unlock("network");
    for (const auto& m : {"m2", "m3", "m4"}) {
        auto s = unlocked.last(id(m));
        ASSERT_TRUE(s.has_value()) << "every waiting merge item is re-published on unlock";
        EXPECT_EQ(s->unlocked_by, "bob");
    }
    EXPECT_EQ(unlocked.last_state(id("m3")), "queued");
    EXPECT_EQ(unlocked.last_state(id("m4")), "queued");
    std::vector<std::string> order;
    auto next = job(unlocked);
    for (int i = 0; i < 3; ++i) {
        order.push_back(next.deployment_id);
        auto done = deploy_through(next);
        if (i < 2) next = job(done);
    }
    EXPECT_EQ(order, (Ids{id("m2"), id("m3"), id("m4")}));
    EXPECT_TRUE(get(h.root_key("network", "inflight")).empty());
}

TEST_F(QueueTest, EveryLockChangeRepublishesTheWaitingMergeItems) {
    job(request("m1", rev(1), "merge"));
    request("m2", rev(2), "merge");
    auto locked = request("m3", rev(3), "manual");
    EXPECT_EQ(locked.last_state(id("m2")), "locked");
    EXPECT_EQ(state_of(id("m2")), "locked");
    auto unlocked = unlock("network");
    EXPECT_EQ(unlocked.last_state(id("m2")), "queued");
    EXPECT_GT(unlocked.last(id("m2"))->seq, locked.last(id("m2"))->seq);
}

TEST_F(QueueTest, UnlockingAnUnlockedQueueIsRefusedWithTheReason) {
    auto refused = unlock("network", "unlock-x", "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(refused.refusals[0].request, "unlock");
    EXPECT_EQ(refused.refusals[0].reason, "the queue of network is not locked");
    EXPECT_EQ(refused.refusals[0].user, "bob");
}

TEST_F(QueueTest, TheLockIsInRedisAndOutlivesASchedulerRestart) {
    job(request("m1", rev(1), "manual"));
    h.restart_scheduler();
    auto merge = request("m2", rev(2), "merge");
    EXPECT_EQ(merge.last_state(id("m2")), "locked");
    auto lock = h.call({"HGET", h.root_key("network", "lock"), "revision"});
    ASSERT_TRUE(lock.ok());
    EXPECT_EQ(lock->str, rev(1));
}

TEST_F(QueueTest, ADuplicateManualRequestIsDroppedAndReported) {
    job(request("m1", rev(1), "manual"));  // in flight
    auto dup = expect(h.deploy("m2", deploy_request(rev(1), "manual")), "refused");
    ASSERT_EQ(dup.refusals.size(), 1u);
    EXPECT_EQ(dup.refusals[0].deployment_id, id("m1"));
    EXPECT_EQ(dup.refusals[0].request, "deploy");
    EXPECT_EQ(dup.refusals[0].user, "octocat");
    EXPECT_NE(dup.refusals[0].reason.find("already in progress"), std::string::npos);
    EXPECT_FALSE(h.describe(id("m2")).ok());

    request("m3", rev(2), "manual");  // queued
    auto dup2 = expect(h.deploy("m4", deploy_request(rev(2), "manual")), "refused");
    ASSERT_EQ(dup2.refusals.size(), 1u);
    EXPECT_EQ(dup2.refusals[0].deployment_id, id("m3"));
    EXPECT_NE(dup2.refusals[0].reason.find("already queued"), std::string::npos);
    // A merge of a revision already waiting is not a duplicate request.
    request("m5", rev(2), "merge");
    EXPECT_EQ(list("network", "merge"), Ids{id("m5")});
}

TEST_F(QueueTest, RerunOfOlderRevisionIsRefused) {
    deploy_through(job(request("m1", rev(1), "merge")));
    deploy_through(job(request("m2", rev(2), "merge")));
    auto r = deploy_request(rev(1), "manual");
    r.rerun = true;
    auto refused = expect(h.deploy("m3", r), "refused");
    ASSERT_EQ(refused.refusals.size(), 1u);
    EXPECT_EQ(refused.refusals[0].request, "rerun");
    EXPECT_EQ(
        refused.refusals[0].reason.rfind("Reruns are only supported on the most recent deploy", 0),
        0u)
        << refused.refusals[0].reason;
    EXPECT_FALSE(h.describe(id("m3")).ok());

    r.revision = rev(2);  // the last attempted one: allowed
    auto rerun = expect(h.deploy("m4", r));
    EXPECT_EQ(job(rerun).last_attempted_revision, rev(2));
}

TEST_F(QueueTest, RerunWithNothingAttemptedYetIsAllowed) {
    auto r = deploy_request(rev(9), "manual");
    r.rerun = true;
    EXPECT_EQ(job(expect(h.deploy("m1", r))).deployment_id, id("m1"));
}

TEST_F(QueueTest, CoalescedMergeItemsAreSkippedWithTheDeploymentThatSupersedesThem) {
    RootPolicy coalesce;
    coalesce.coalesce_merges = true;
    job(request("m1", rev(1), "merge", "network", {}, coalesce));
    request("m2", rev(2), "merge", "network", {}, coalesce);
    request("m3", rev(3), "merge", "network", {}, coalesce);
    auto newest = request("m4", rev(4), "merge", "network", {}, coalesce);
    EXPECT_EQ(newest.last_state(id("m3")), "skipped");
    EXPECT_EQ(state_of(id("m2")), "skipped");
    auto why = newest.last(id("m3"))->reason;
    EXPECT_NE(why.find(id("m4")), std::string::npos) << why;
    EXPECT_EQ(list("network", "merge"), Ids{id("m4")});
    EXPECT_EQ(state_of(id("m1")), "queued") << "the one in flight is not coalesced";
}

TEST_F(QueueTest, QueuedItemsExpire) {
    RootPolicy expiring;
    expiring.queue_expiry = 1h;
    job(request("m1", rev(1), "merge", "network", {}, expiring));
    request("m2", rev(2), "merge", "network", {}, expiring);
    h.advance(30min);
    EXPECT_TRUE(expect(h.tick()).states.empty());
    h.advance(31min);
    auto expired = expect(h.tick());
    EXPECT_EQ(expired.last_state(id("m2")), "skipped");
    EXPECT_EQ(state_of(id("m1")), "queued") << "a dispatched deployment does not expire";
    EXPECT_TRUE(list("network", "merge").empty());
}

TEST_F(QueueTest, EachRootHasItsOwnDeploymentInFlight) {
    EXPECT_EQ(job(request("m1", rev(1), "merge", "network")).deployment_id, id("m1"));
    EXPECT_EQ(job(request("m2", rev(1), "merge", "dns")).deployment_id, id("m2"));
    EXPECT_TRUE(request("m3", rev(2), "merge", "dns").jobs.empty());
}

TEST_F(QueueTest, CommentUnlockWithoutRootsUnlocksEveryLockedRootOfTheRepository) {
    job(request("m1", rev(1), "manual", "network"));
    job(request("m2", rev(1), "manual", "dns"));
    request("m3", rev(2), "merge", "network");
    auto u = expect(h.unlock("c1", UnlockRequest{kRepo, "", {}, true, "carol"}));
    EXPECT_EQ(u.last_state(id("m3")), "queued");
    EXPECT_TRUE(get(h.root_key("network", "lock")).empty());
    EXPECT_EQ(h.call({"EXISTS", h.root_key("dns", "lock")})->integer, 0);
}

TEST_F(QueueTest, TheUnlockButtonUnlocksTheRootOfItsDeployment) {
    job(request("m1", rev(1), "manual"));
    request("m2", rev(2), "merge");
    auto u = expect(h.unlock("b1", UnlockRequest{kRepo, id("m2"), {}, false, "dave"}));
    EXPECT_EQ(u.last(id("m2"))->unlocked_by, "dave");
}

}  // namespace
}  // namespace strata::scheduler::testing
