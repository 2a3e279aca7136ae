// The real strata-scheduler daemon on the real broker and Redis: the test publishes what the
// planner, executors and people publish (deploy.requested, job.state, trigger.*, check-run
// buttons) and reads what the scheduler publishes from the executors' and the notifier's queues,
// as they would. Then kill -9 (three times) in a burst of requests: after a restart nothing is
// lost and no root has two deployments dispatched; the sweeper times out a lost apply; and a
// request that arrives while Redis is down is retried until Redis is back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "scheduler_daemon_fixture.hpp"

namespace strata::scheduler::testing {
namespace {

TEST_F(SchedulerDaemonTest, AMergeDeployIsPlannedAppliedAndReportedAtEveryStep) {
    publish(deploy_request(rev(1), "merge"), "merge-1");
    auto id = StoreHarness::deployment_id("merge-1");
    auto job = wait_job(id, "deploy");
    ASSERT_TRUE(job) << "no job.run on the executors' work queue";
    EXPECT_TRUE(wait_state(id, "queued"));
    report(*job, "started");
    report(*job, "planning", "none");
    report(*job, "planned", "", changes(2));
    auto apply = wait_job(id, "apply");
    ASSERT_TRUE(apply) << "no apply on the queue of the executor holding the plan";
    for (const auto& [key, j] : got<JobRun>()) {
        if (j.kind == "apply") {
            EXPECT_EQ(key, "job.run.ex1");
        }
    }
    report(*apply, "started");
    report(*apply, "applying");
    report(*apply, "succeeded");
    ASSERT_TRUE(wait_state(id, "succeeded"));
    std::vector<long long> seqs;
    for (const auto& [key, s] : got<DeploymentState>())
        if (s.deployment_id == id) seqs.push_back(s.seq);
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
    EXPECT_GE(seqs.size(), 4u);
}

TEST_F(SchedulerDaemonTest, TriggersAndButtonsSteerTheQueue) {
    publish(deploy_request(rev(1), "manual"), "manual-1");
    publish(deploy_request(rev(2), "merge"), "merge-2");
    auto manual = StoreHarness::deployment_id("manual-1");
    auto merge = StoreHarness::deployment_id("merge-2");
    ASSERT_TRUE(wait_state(merge, "locked")) << "a merge item waits for Unlock";
    publish(deploy_request(rev(1), "manual"), "manual-again");
    ASSERT_TRUE(run_until(
        loop, [&] { return !got<RequestRefused>().empty(); }, 20s));
    EXPECT_EQ(got<RequestRefused>()[0].second.deployment_id, manual);

    auto job = wait_job(manual, "deploy");
    ASSERT_TRUE(job);
    report(*job, "started");
    report(*job, "planning", "none");
    report(*job, "planned", "", changes(1));
    ASSERT_TRUE(wait_state(manual, "awaiting_review"));
    CheckRunEvent confirm;
    confirm.repo = kRepo;
    confirm.action = "requested_action";
    confirm.external_id = manual;
    confirm.head_sha = rev(1);
    confirm.identifier = "confirm";
    confirm.user = "alice";
    publish(confirm, "button-1");
    auto apply = wait_job(manual, "apply");
    ASSERT_TRUE(apply);
    report(*apply, "applying");
    report(*apply, "succeeded");
    ASSERT_TRUE(wait_state(manual, "succeeded"));
    EXPECT_FALSE(wait_job(merge, "deploy", 500ms)) << "dispatched while locked";

    publish(TriggerUnlock{"acme/infra", "network", "bob", ""}, "unlock-1");
    ASSERT_TRUE(wait_state(merge, "queued"));
    EXPECT_TRUE(wait_job(merge, "deploy"));
}

TEST_F(SchedulerDaemonTest, KillNineInABurstOfRequestsLosesAndDoublesNothing) {
    constexpr int kRoots = 60;
    for (int i = 0; i < kRoots; ++i) {
        publish(deploy_request(rev(1), "merge", "root" + std::to_string(i)),
                "a-" + std::to_string(i));
        publish(deploy_request(rev(2), "merge", "root" + std::to_string(i)),
                "b-" + std::to_string(i));
    }
    run_until(
        loop, [&] { return !got<JobRun>().empty(); }, 20s);
    // Killed at a few points of the burst (each restart picks up where Redis says it was).
    for (auto pause : {0ms, 150ms, 300ms}) {
        run_until(
            loop, [] { return false; }, pause);
        daemon->kill_now();
        daemon->start();
    }
    ASSERT_TRUE(run_until(
        loop, [&] { return got<JobRun>().size() >= kRoots; }, 30s))
        << got<JobRun>().size() << " jobs";
    run_until(
        loop, [] { return false; }, 1s);  // anything extra would show up now
    std::map<std::string, int> per_root;
    for (const auto& [key, j] : got<JobRun>()) ++per_root[j.root.name];
    EXPECT_EQ(per_root.size(), static_cast<std::size_t>(kRoots));
    for (const auto& [root, n] : per_root)
        EXPECT_EQ(n, 1) << root << ": two deployments dispatched at once, or one twice";
    // Every deployment was reported queued.
    for (int i = 0; i < kRoots; ++i)
        for (const auto& m : {"a-", "b-"})
            EXPECT_TRUE(
                wait_state(StoreHarness::deployment_id(m + std::to_string(i)), "queued", 5s))
                << m << i;
}

TEST_F(SchedulerDaemonTest, TheSweeperTimesOutALostApply) {
    publish(deploy_request(rev(1), "merge"), "merge-1");
    auto id = StoreHarness::deployment_id("merge-1");
    auto job = wait_job(id, "deploy");
    ASSERT_TRUE(job);
    report(*job, "planned", "", changes(1));
    auto apply = wait_job(id, "apply");
    ASSERT_TRUE(apply);
    // The executor records its lease (Redis' clock) and reports; then it dies.
    StoreHarness h(shared_redis_url(), prefix);
    auto lease = h.call({"EVAL",
                         "local t = redis.call('TIME') local ms = t[1] * 1000 + math.floor(t[2] / "
                         "1000) redis.call('HSET', KEYS[1], 'executor', 'ex1', 'fence', ARGV[1], "
                         "'kind', 'apply', 'deployment', ARGV[2], 'renewed_at', ms) "
                         "redis.call('ZADD', KEYS[2], ms, ARGV[3]) return 1",
                         "2", prefix + ":lease:" + apply->job_id, prefix + ":leases",
                         std::to_string(apply->fencing_token), id, apply->job_id});
    ASSERT_TRUE(lease.ok()) << lease.error().message;
    report(*apply, "applying");
    ASSERT_TRUE(wait_state(id, "timed_out", 20s));
    run_until(
        loop, [] { return false; }, 1500ms);
    int applies = 0;
    for (const auto& [key, j] : got<JobRun>()) applies += j.kind == "apply";
    EXPECT_EQ(applies, 1) << "a lost apply is never sent again";
}

TEST_F(SchedulerDaemonTest, ARequestArrivingWhileRedisIsDownIsRetriedNotLost) {
    auto redis = strata::testing::RedisServer::start();
    daemon.reset();  // the fixture's, on the shared Redis
    daemon = std::make_unique<Daemon>(env(redis.url()));
    publish(deploy_request(rev(1), "merge"), "before");
    ASSERT_TRUE(wait_job(StoreHarness::deployment_id("before"), "deploy"));
    redis.stop();
    publish(deploy_request(rev(1), "merge", "dns"), "during");
    auto during = StoreHarness::deployment_id("during");
    EXPECT_FALSE(wait_job(during, "deploy", 1500ms)) << "dispatched without Redis";
    redis.restart();  // with its AOF: the state of before is still there
    ASSERT_TRUE(wait_job(during, "deploy", 30s)) << "the request was lost";
    EXPECT_TRUE(wait_state(during, "queued"));
    int jobs = 0;
    for (const auto& [key, j] : got<JobRun>()) jobs += j.deployment_id == during;
    EXPECT_EQ(jobs, 1) << "a retried request is handled once";
}

}  // namespace
}  // namespace strata::scheduler::testing
