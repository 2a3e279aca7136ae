// The executor process at SIGTERM and after a restart: a plan in progress and held plans are
// handed back (released), an apply runs to its end, jobs not started stay queued for another
// executor, and the process exits 0; a second signal exits at once. An apply of a plan lost in a
// restart is released unstarted, and the work dirs a killed executor left are swept at start-up.
#include <gtest/gtest.h>
#include <signal.h>

#include "executor_harness.hpp"

namespace strata::executor_test {
namespace {

class ExecutorShutdown : public ExecutorTest {
protected:
    void SetUp() override {
        repo.commit({{"app/main.tf", "\n"},
                     {"app/.fake-terraform", "changes=1\n"},
                     {"hang/main.tf", "\n"},
                     {"hang/.fake-terraform", "wait_file=/nonexistent\n"},
                     {"slowapply/main.tf", "\n"},
                     {"slowapply/.fake-terraform", "changes=1\ndelay_apply=2\n"},
                     {"longapply/main.tf", "\n"},
                     {"longapply/.fake-terraform", "changes=1\ndelay_apply=60\n"}});
        revision = repo.head();
    }
    long long leases() { return side.redis({"ZCARD", side.prefix + ":leases"}).integer; }

    // Plans root on executor and sends the apply to its own queue; the apply job, once applying.
    JobRun apply_running(Executor& executor, const std::string& root) {
        auto deploy = job(root);
        side.publish(deploy);
        EXPECT_TRUE(side.wait_state(deploy.job_id, "planned")) << executor.process->log();
        auto apply = follow_up(deploy, "apply");
        side.publish(apply, "job.run." + executor.id);
        EXPECT_TRUE(side.wait_state(apply.job_id, "applying")) << executor.process->log();
        return apply;
    }
};

TEST_F(ExecutorShutdown, PlanInProgressAndHeldPlansAreReleasedAndTheExecutorExitsZero) {
    Executor executor(side, dir, "exec-s1", {{"STRATA_JOB_SLOTS", "2"}});
    ASSERT_TRUE(executor.wait_healthy());
    auto held = job("app");
    side.publish(held);
    ASSERT_TRUE(side.wait_state(held.job_id, "planned")) << executor.process->log();
    auto running = job("hang");
    side.publish(running);
    ASSERT_TRUE(side.wait_state(running.job_id, "planning"));

    executor.process->signal(SIGTERM);
    EXPECT_TRUE(side.wait_state(running.job_id, "released", 20s)) << executor.process->log();
    EXPECT_TRUE(side.wait_state(held.job_id, "released", 20s));
    EXPECT_EQ(executor.process->wait_exit(20s), 0) << executor.process->log();
    EXPECT_EQ(leases(), 0);
    EXPECT_TRUE(fs::is_empty(executor.work_dir));
}

TEST_F(ExecutorShutdown, ARunningApplyFinishesBeforeTheExecutorExits) {
    Executor executor(side, dir, "exec-s2");
    ASSERT_TRUE(executor.wait_healthy());
    auto apply = apply_running(executor, "slowapply");
    ASSERT_FALSE(HasFailure());

    executor.process->signal(SIGTERM);
    EXPECT_TRUE(side.wait_state(apply.job_id, "succeeded", 20s)) << executor.process->log();
    EXPECT_EQ(executor.process->wait_exit(20s), 0) << executor.process->log();
    EXPECT_TRUE(side.states_of(apply.job_id).back() == "succeeded");
    EXPECT_EQ(leases(), 0);
}

// The first signal starts a drain that waits for the apply; a second one ends the process at
// once (exit 130). The apply's terraform, in its own process group, is left to finish: an apply
// is never interrupted by Strata; its lease lapses and the scheduler times the deployment out.
TEST_F(ExecutorShutdown, ASecondSignalDuringTheDrainExitsAtOnce) {
    Executor executor(side, dir, "exec-s6");
    ASSERT_TRUE(executor.wait_healthy());
    auto apply = apply_running(executor, "longapply");
    ASSERT_FALSE(HasFailure());

    executor.process->signal(SIGTERM);
    ASSERT_TRUE(testing::run_until(
        side.loop,
        [&] { return executor.process->log().find("\"msg\":\"stopping\"") != std::string::npos; },
        10s))
        << executor.process->log();
    EXPECT_FALSE(executor.process->wait_exit(1s).has_value()) << "the drain did not wait";
    executor.process->signal(SIGTERM);
    EXPECT_EQ(executor.process->wait_exit(3s), 130) << executor.process->log();
    EXPECT_FALSE(side.wait_state(apply.job_id, "succeeded", 500ms));
    EXPECT_GT(processes_in(executor.work_dir), 0) << "the apply was interrupted";
    kill_processes_in(executor.work_dir);
}

TEST_F(ExecutorShutdown, JobsNotStartedStayQueuedForAnotherExecutor) {
    Executor first(side, dir, "exec-s3");  // one job slot
    ASSERT_TRUE(first.wait_healthy());
    auto running = job("hang");
    side.publish(running);
    ASSERT_TRUE(side.wait_state(running.job_id, "planning"));
    auto waiting = job("app", 1, "plan");
    side.publish(waiting);
    side.settle(1s);
    ASSERT_TRUE(side.states_of(waiting.job_id).empty()) << "a second job started in one slot";

    first.process->signal(SIGTERM);
    EXPECT_TRUE(side.wait_state(running.job_id, "released", 20s));
    EXPECT_EQ(first.process->wait_exit(20s), 0) << first.process->log();
    EXPECT_TRUE(side.states_of(waiting.job_id).empty());

    Executor second(side, dir, "exec-s4");
    auto planned = side.wait_state(waiting.job_id, "planned");
    ASSERT_TRUE(planned) << second.process->log();
    EXPECT_EQ(planned->executor_id, "exec-s4");
}

TEST_F(ExecutorShutdown, ApplyOfAPlanLostInARestartIsReleasedUnstarted) {
    auto deploy = job("app");
    {
        Executor before(side, dir, "exec-s5");
        ASSERT_TRUE(before.wait_healthy());
        side.publish(deploy);
        ASSERT_TRUE(side.wait_state(deploy.job_id, "planned")) << before.process->log();
        before.process->signal(SIGKILL);
        before.process->wait_exit(10s);
        EXPECT_FALSE(fs::is_empty(before.work_dir)) << "the held plan's work dir is left behind";
    }
    Executor after(side, dir, "exec-s5");
    ASSERT_TRUE(after.wait_healthy());
    EXPECT_TRUE(fs::is_empty(after.work_dir)) << "start-up did not sweep the old work dirs";
    auto apply = follow_up(deploy, "apply");
    side.publish(apply, "job.run.exec-s5");
    auto released = side.wait_state(apply.job_id, "released");
    ASSERT_TRUE(released) << after.process->log();
    EXPECT_NE(released->detail.find("no longer held"), std::string::npos);
    EXPECT_EQ(side.states_of(apply.job_id), (std::vector<std::string>{"released"}));
    EXPECT_EQ(leases(), 0) << "both the plan's and the apply's lease are gone";
    EXPECT_EQ(read_file(dir / "terraform-calls.log").find(" apply "), std::string::npos);
}

}  // namespace
}  // namespace strata::executor_test
