// The executor's lease on a running job, lost in the two ways the renewal finds out: another
// executor holds the lease now (the scheduler's sweeper gave the job away), or no renewal got
// through to Redis for lease_timeout. Either way terraform's process group is killed at once and
// nothing more is reported for the job (docs/job-protocol.md, "Executor side" 2).
#include <gtest/gtest.h>

#include "executor_harness.hpp"

namespace strata::executor_test {
namespace {

// A root whose terraform plans until the file exists (never, here).
std::string hanging_root(GitRepo& repo) {
    return repo.commit(
        {{"hang/main.tf", "\n"}, {"hang/.fake-terraform", "wait_file=/nonexistent\n"}});
}

// Publishes a deploy job of root "hang" and waits until its `terraform plan` runs (it then runs
// until killed; `init` before it ends by itself, so a test must not take init's end for a kill).
JobRun start_hanging_job(SchedulerSide& side, const Executor& executor, const TempDir& dir,
                         const GitRepo& repo, const std::string& revision) {
    auto job = make_job(testing::unique_name("dep"), 1, repo, "hang", revision);
    side.set_fence(job.deployment_id, 1);
    side.publish(job);
    EXPECT_TRUE(side.wait_state(job.job_id, "planning"));
    EXPECT_TRUE(testing::run_until(
        side.loop,
        [&] {
            return read_file(dir / "terraform-calls.log").find(" plan ") != std::string::npos &&
                   processes_in(executor.work_dir) > 0;
        },
        20s))
        << "terraform plan never ran";
    return job;
}

TEST(ExecutorLease, LeaseTakenOverByAnotherExecutorKillsTerraformAtOnce) {
    TempDir dir("strata-executor-lease");
    GitRepo repo(dir / "infra");
    auto revision = hanging_root(repo);
    SchedulerSide side;
    Executor executor(side, dir, "exec-l1");
    ASSERT_TRUE(executor.wait_healthy());
    auto job = start_hanging_job(side, executor, dir, repo, revision);

    // The sweeper counted the lease lost and the job went to another executor, which holds it.
    side.redis({"HSET", side.prefix + ":lease:" + job.job_id, "executor", "exec-other"});
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return processes_in(executor.work_dir) == 0; }, 5s))
        << "terraform still runs after the lease went to another executor";
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 5s));
    side.settle(500ms);
    EXPECT_EQ(side.states_of(job.job_id), (std::vector<std::string>{"started", "planning"}));
    // The other executor's lease is left alone.
    EXPECT_EQ(side.redis({"HGET", side.prefix + ":lease:" + job.job_id, "executor"}).str,
              "exec-other");
    EXPECT_TRUE(executor.process->running());
}

TEST(ExecutorLease, RedisOutOfReachForTheLeaseTimeoutCountsTheLeaseLost) {
    auto redis = testing::RedisServer::start();
    TempDir dir("strata-executor-lease");
    GitRepo repo(dir / "infra");
    auto revision = hanging_root(repo);
    SchedulerSide side(redis.url());
    Executor executor(side, dir, "exec-l2", {{"STRATA_REDIS_URL", redis.url()}});
    ASSERT_TRUE(executor.wait_healthy());
    auto job = start_hanging_job(side, executor, dir, repo, revision);

    // No renewal can succeed now; after lease_timeout (2 s here) the scheduler may have given
    // the job away, so the executor must assume it did.
    redis.stop();
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return processes_in(executor.work_dir) == 0; }, 15s))
        << "terraform still runs with Redis out of reach past the lease timeout\n"
        << executor.process->log();
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 5s));
    side.settle(500ms);
    EXPECT_EQ(side.states_of(job.job_id), (std::vector<std::string>{"started", "planning"}));
    EXPECT_NE(executor.process->log().find("no renewal succeeded within the lease timeout"),
              std::string::npos);
    EXPECT_TRUE(executor.process->running());
}

}  // namespace
}  // namespace strata::executor_test
