// The scheduler's Redis state through its Lua scripts, against a real Redis, each test under its
// own key prefix: dispatch order per root, idempotent redelivery, fencing and queue descriptions.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deployment_store.hpp"
#include "strata/loop.hpp"
#include "strata/redis.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::shared_redis_url;
using testing::unique_name;
using Ids = std::vector<std::string>;

const RepoRef kRepo{"acme/infra", "https://github.com/acme/infra.git", "main", 7};

DeployRequested request(const std::string& revision, const std::string& trigger,
                        const std::string& root = "network") {
    return {kRepo,   RootRef{root, "envs/" + root, "default", ""}, revision, "refs/heads/main",
            trigger, trigger == "manual" ? "octocat" : "",         {}};
}

class DeploymentStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        redis = std::make_unique<RedisClient>(loop, RedisOptions{shared_redis_url(), 2s, 200ms});
        redis->connect();
        ASSERT_TRUE(run_until(loop, [&] { return redis->healthy(); })) << shared_redis_url();
        store = std::make_unique<DeploymentStore>(*redis, prefix);
    }

    void TearDown() override {
        if (!redis || !redis->healthy()) return;
        std::optional<Result<RedisReply>> done;
        redis->command({"EVAL",
                        "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
                        "redis.call('DEL', k) end return 0",
                        "0", prefix + ":*"},
                       [&](Result<RedisReply> r) { done.emplace(std::move(r)); });
        run_until(loop, [&] { return done.has_value(); });
    }

    Result<Transition> enqueue(const std::string& message_id, const std::string& deployment_id,
                               const DeployRequested& r) {
        std::optional<Result<Transition>> out;
        store->enqueue(message_id, deployment_id, r,
                       [&](Result<Transition> t) { out.emplace(std::move(t)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    Result<Transition> job_state(const std::string& message_id, const std::string& deployment_id,
                                 long long fence, const std::string& state,
                                 std::optional<PlanSummary> plan = std::nullopt,
                                 const std::string& detail = "") {
        JobState s{deployment_id + ":" + std::to_string(fence),
                   deployment_id,
                   fence,
                   "executor-1",
                   state,
                   "",
                   std::move(plan),
                   detail};
        std::optional<Result<Transition>> out;
        store->record_job_state(message_id, s,
                                [&](Result<Transition> t) { out.emplace(std::move(t)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    Result<DeploymentRecord> describe(const std::string& deployment_id) {
        std::optional<Result<DeploymentRecord>> out;
        store->describe(deployment_id,
                        [&](Result<DeploymentRecord> d) { out.emplace(std::move(d)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    Result<RedisReply> call(std::vector<std::string> argv) {
        std::optional<Result<RedisReply>> out;
        redis->command(std::move(argv), [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    std::string root_key(const std::string& root, const std::string& suffix) {
        return prefix + ":root:acme/infra||" + root + ":" + suffix;
    }

    Ids ahead_of(const std::string& deployment_id) {
        auto d = describe(deployment_id);
        EXPECT_TRUE(d.ok()) << d.error().message;
        Ids out;
        if (d.ok())
            for (const auto& q : d->queue_ahead) out.push_back(q.deployment_id);
        return out;
    }

    Loop loop;
    std::string prefix = unique_name("deployment-store-test");
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<DeploymentStore> store;
};

void expect_transition(const Result<Transition>& t, const std::string& status, const Ids& touched,
                       const Ids& dispatched) {
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->status, status);
    EXPECT_EQ(t->touched, touched);
    EXPECT_EQ(t->dispatched, dispatched);
}

TEST_F(DeploymentStoreTest, EnqueueDispatchesTheFirstDeploymentOfARootAndQueuesTheNext) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});

    auto d1 = describe("d1");
    ASSERT_TRUE(d1.ok()) << d1.error().message;
    EXPECT_EQ(d1->fence, 1);
    EXPECT_EQ(d1->job_id, "d1:1");
    EXPECT_EQ(d1->revision, "rev1");
    EXPECT_EQ(d1->trigger, "merge");
    EXPECT_EQ(d1->repo.full_name, "acme/infra");
    EXPECT_EQ(d1->repo.installation_id, 7);
    EXPECT_EQ(d1->root.name, "network");
    EXPECT_EQ(d1->root.dir, "envs/network");

    auto d2 = describe("d2");
    ASSERT_TRUE(d2.ok()) << d2.error().message;
    EXPECT_EQ(d2->state, "queued");
    EXPECT_EQ(d2->fence, 0);
    EXPECT_EQ(d2->job_id, "");
}

TEST_F(DeploymentStoreTest, EachRootHasItsOwnDeploymentInFlight) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge", "network")), "ok", {"d1"},
                      {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev1", "merge", "dns")), "ok", {"d2"}, {"d2"});
}

TEST_F(DeploymentStoreTest, ManualItemsGoBeforeMergeItems) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    expect_transition(enqueue("m3", "d3", request("rev1", "manual")), "ok", {"d3"}, {});
    expect_transition(enqueue("m4", "d4", request("rev0", "manual")), "ok", {"d4"}, {});

    expect_transition(job_state("s1", "d1", 1, "succeeded"), "ok", {"d1"}, {"d3"});
    expect_transition(job_state("s2", "d3", 2, "succeeded"), "ok", {"d3"}, {"d4"});
    expect_transition(job_state("s3", "d4", 3, "failed"), "ok", {"d4"}, {"d2"});
    expect_transition(job_state("s4", "d2", 4, "succeeded"), "ok", {"d2"}, {});
}

TEST_F(DeploymentStoreTest, WhileTheQueueIsLockedOnlyManualItemsArePopped) {
    ASSERT_TRUE(call({"SET", root_key("network", "lock"), "1"}).ok());
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {});
    expect_transition(enqueue("m2", "d2", request("rev2", "manual")), "ok", {"d2"}, {"d2"});
    expect_transition(job_state("s1", "d2", 1, "succeeded"), "ok", {"d2"}, {});

    ASSERT_TRUE(call({"DEL", root_key("network", "lock")}).ok());
    expect_transition(enqueue("m3", "d3", request("rev3", "merge")), "ok", {"d3"}, {"d1"});
}

TEST_F(DeploymentStoreTest, RedeliveredEnqueueChangesNothingAndReturnsDuplicate) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    auto before = describe("d1");
    ASSERT_TRUE(before.ok()) << before.error().message;

    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "duplicate", {"d1"}, {"d1"});
    auto after = describe("d1");
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(after->seq, before->seq);
    EXPECT_EQ(after->fence, before->fence);
    EXPECT_EQ(after->job_id, before->job_id);
    EXPECT_EQ(call({"GET", root_key("network", "fence")})->str, "1");
    EXPECT_EQ(call({"LLEN", root_key("network", "queue:merge")})->integer, 0);
}

TEST_F(DeploymentStoreTest, RedeliveredEnqueueOfAQueuedItemDoesNotQueueItTwice) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "duplicate", {"d2"}, {});
    EXPECT_EQ(call({"LLEN", root_key("network", "queue:merge")})->integer, 1);
    // The same deployment under a new message id is not queued again either.
    expect_transition(enqueue("m2-again", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    EXPECT_EQ(call({"LLEN", root_key("network", "queue:merge")})->integer, 1);
}

TEST_F(DeploymentStoreTest, RedeliveredJobStateChangesNothingAndReturnsDuplicate) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    expect_transition(job_state("s1", "d1", 1, "succeeded"), "ok", {"d1"}, {"d2"});
    auto before = describe("d2");
    ASSERT_TRUE(before.ok());

    expect_transition(job_state("s1", "d1", 1, "succeeded"), "duplicate", {"d1"}, {"d2"});
    auto after = describe("d2");
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->fence, before->fence);
    EXPECT_EQ(after->seq, before->seq);
    EXPECT_EQ(call({"GET", root_key("network", "inflight")})->str, "d2");
}

TEST_F(DeploymentStoreTest, JobStateWithAStaleFencingTokenIsStale) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    auto before = describe("d1");
    ASSERT_TRUE(before.ok());

    expect_transition(job_state("s1", "d1", 2, "succeeded"), "stale", {}, {});
    expect_transition(job_state("s2", "d1", 0, "planning"), "stale", {}, {});
    auto after = describe("d1");
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->state, before->state);
    EXPECT_EQ(after->seq, before->seq);
    EXPECT_EQ(call({"GET", root_key("network", "inflight")})->str, "d1");
}

TEST_F(DeploymentStoreTest, JobStateForAFinishedOrUnknownDeploymentIsStale) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(job_state("s1", "d1", 1, "failed"), "ok", {"d1"}, {});
    expect_transition(job_state("s2", "d1", 1, "succeeded"), "stale", {}, {});
    EXPECT_EQ(describe("d1")->state, "failed");
    expect_transition(job_state("s3", "no-such-deployment", 1, "planning"), "stale", {}, {});
}

TEST_F(DeploymentStoreTest, UnknownJobStateIsInvalid) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(job_state("s1", "d1", 1, "exploded"), "invalid", {}, {});
    EXPECT_EQ(describe("d1")->state, "queued");
}

TEST_F(DeploymentStoreTest, JobStatesAreRecordedWithPlanAndDetail) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(job_state("s1", "d1", 1, "planning"), "ok", {"d1"}, {});
    PlanSummary plan;
    plan.add = 2;
    plan.replace = 1;
    plan.resources = {"+ aws_s3_bucket.a", "+ aws_s3_bucket.b", "-/+ aws_instance.db"};
    expect_transition(job_state("s2", "d1", 1, "awaiting_review", plan), "ok", {"d1"}, {});
    auto d = describe("d1");
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->state, "awaiting_review");
    EXPECT_EQ(d->executor, "executor-1");
    EXPECT_EQ(d->seq, 3);  // queued (1), planning, awaiting_review
    ASSERT_TRUE(d->plan.has_value());
    EXPECT_EQ(d->plan->add, 2);
    EXPECT_EQ(d->plan->replace, 1);
    EXPECT_EQ(d->plan->resources, plan.resources);

    expect_transition(job_state("s3", "d1", 1, "failed", std::nullopt, "Error: quota exceeded"),
                      "ok", {"d1"}, {});
    d = describe("d1");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->state, "failed");
    EXPECT_EQ(d->reason, "Error: quota exceeded");
    EXPECT_TRUE(d->plan.has_value());  // kept from the plan step
}

TEST_F(DeploymentStoreTest, TerminalJobStateFreesTheRootAndDispatchesTheNext) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    expect_transition(job_state("s1", "d1", 1, "planning"), "ok", {"d1"}, {});
    expect_transition(job_state("s2", "d1", 1, "timed_out"), "ok", {"d1"}, {"d2"});

    EXPECT_EQ(describe("d1")->state, "timed_out");
    auto d2 = describe("d2");
    ASSERT_TRUE(d2.ok()) << d2.error().message;
    EXPECT_EQ(d2->fence, 2);
    EXPECT_EQ(d2->job_id, "d2:2");
    EXPECT_EQ(d2->last_attempted, "rev1");
    EXPECT_EQ(call({"GET", root_key("network", "inflight")})->str, "d2");
    EXPECT_EQ(call({"GET", root_key("network", "last_attempted")})->str, "rev1");

    expect_transition(job_state("s3", "d2", 2, "succeeded"), "ok", {"d2"}, {});
    EXPECT_TRUE(call({"GET", root_key("network", "inflight")})->is_nil());
    // With the root free, the next request is dispatched at once.
    expect_transition(enqueue("m3", "d3", request("rev3", "merge")), "ok", {"d3"}, {"d3"});
    EXPECT_EQ(describe("d3")->last_attempted, "rev2");
}

TEST_F(DeploymentStoreTest, DescribeGivesQueueAheadInOrder) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    expect_transition(enqueue("m3", "d3", request("rev3", "merge")), "ok", {"d3"}, {});
    expect_transition(enqueue("m4", "d4", request("rev4", "manual")), "ok", {"d4"}, {});

    EXPECT_EQ(ahead_of("d4"), (Ids{"d1"}));
    EXPECT_EQ(ahead_of("d2"), (Ids{"d1", "d4"}));
    EXPECT_EQ(ahead_of("d3"), (Ids{"d1", "d4", "d2"}));

    auto d3 = describe("d3");
    ASSERT_TRUE(d3.ok());
    ASSERT_EQ(d3->queue_ahead.size(), 3u);
    EXPECT_EQ(d3->queue_ahead[1].revision, "rev4");
    EXPECT_EQ(d3->queue_ahead[1].trigger, "manual");
    EXPECT_EQ(d3->queue_ahead[2].revision, "rev2");
    EXPECT_EQ(d3->queue_ahead[2].trigger, "merge");
}

TEST_F(DeploymentStoreTest, TheDeploymentInFlightHasNothingAheadOfIt) {
    expect_transition(enqueue("m1", "d1", request("rev1", "merge")), "ok", {"d1"}, {"d1"});
    expect_transition(enqueue("m2", "d2", request("rev2", "merge")), "ok", {"d2"}, {});
    // Dispatched, but no executor has reported yet: still "queued", yet first in line.
    EXPECT_EQ(describe("d1")->state, "queued");
    EXPECT_EQ(ahead_of("d1"), Ids{});
    expect_transition(job_state("s1", "d1", 1, "planning"), "ok", {"d1"}, {});
    EXPECT_EQ(ahead_of("d1"), Ids{});
}

TEST_F(DeploymentStoreTest, DescribingAnUnknownDeploymentIsAnError) {
    auto d = describe("no-such-deployment");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message, "deployment no-such-deployment does not exist");
}

}  // namespace
}  // namespace strata::scheduler
