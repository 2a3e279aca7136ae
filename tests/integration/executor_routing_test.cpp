// What reaches the executor by the wrong way, or in a form it cannot read, and a pull request's
// head that only a pull ref reaches: every job either runs where it should or is dead-lettered
// with a reason, and the executor carries on (docs/job-protocol.md, "Executor side").
#include <gtest/gtest.h>

#include "executor_harness.hpp"
#include "support/git_daemon.hpp"

namespace strata::executor_test {
namespace {

class ExecutorRouting : public ExecutorTest {
protected:
    void SetUp() override {
        revision = repo.commit({{"app/main.tf", "resource \"null_resource\" \"a\" {}\n"},
                                {"app/.fake-terraform", "changes=1\n"}});
    }
};

TEST_F(ExecutorRouting, AnApplyOnTheSharedWorkQueueIsDeadLetteredAndTheHeldPlanStaysHeld) {
    Executor executor(side, dir, "exec-r1");
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("app");
    side.publish(deploy);
    ASSERT_TRUE(side.wait_state(deploy.job_id, "planned")) << executor.process->log();

    auto apply = follow_up(deploy, "apply");
    side.publish(apply, "job.run");  // the shared queue: any executor could take it from there
    auto dead = side.take_from_queue("executor.work.dlq");
    ASSERT_TRUE(dead) << "the misrouted apply was not dead-lettered\n" << executor.process->log();
    EXPECT_NE(dead->find(apply.job_id), std::string::npos);
    EXPECT_NE(executor.process->log().find("came by the shared work queue"), std::string::npos);
    EXPECT_EQ(terraform_calls().find(" apply "), std::string::npos);
    EXPECT_TRUE(side.states_of(apply.job_id).empty());
    EXPECT_EQ(side.redis({"HGET", side.prefix + ":lease:" + deploy.job_id, "executor"}).str,
              "exec-r1");

    // The plan is still held: its apply by the executor's own queue runs.
    side.publish(apply, "job.run.exec-r1");
    ASSERT_TRUE(side.wait_state(apply.job_id, "succeeded")) << executor.process->log();
}

TEST_F(ExecutorRouting, TakingAnApplyNeverDeletesAPlanLeaseAnotherExecutorHolds) {
    Executor executor(side, dir, "exec-r2");
    ASSERT_TRUE(executor.wait_healthy());
    // exec-r2 never planned this deployment; exec-other holds its plan.
    auto deploy = job("app");
    side.redis({"HSET", side.prefix + ":lease:" + deploy.job_id, "executor", "exec-other", "fence",
                "1", "kind", "deploy"});
    auto apply = follow_up(deploy, "apply");
    side.publish(apply, "job.run.exec-r2");
    ASSERT_TRUE(side.wait_state(apply.job_id, "released")) << executor.process->log();
    EXPECT_EQ(side.redis({"HGET", side.prefix + ":lease:" + deploy.job_id, "executor"}).str,
              "exec-other");
    EXPECT_EQ(terraform_calls().find(" apply "), std::string::npos);
}

TEST_F(ExecutorRouting, AnUndecodableJobIsDeadLetteredWithItsReasonAndTheNextJobRuns) {
    Executor executor(side, dir, "exec-r3");
    ASSERT_TRUE(executor.wait_healthy());
    side.publish_raw("job.run", "{\"not\": \"a job\"", testing::unique_name("garbage"));
    side.publish_raw("job.run", "{\"type\":\"job.run\",\"version\":1}",
                     testing::unique_name("garbage"));
    EXPECT_TRUE(side.take_from_queue("executor.work.dlq")) << executor.process->log();
    EXPECT_TRUE(side.take_from_queue("executor.work.dlq")) << executor.process->log();
    EXPECT_NE(executor.process->log().find("dead-lettering job"), std::string::npos);

    auto plan = job("app", 1, "plan");
    side.publish(plan);
    ASSERT_TRUE(side.wait_state(plan.job_id, "planned")) << executor.process->log();
    EXPECT_TRUE(executor.process->running());
}

TEST_F(ExecutorRouting, APullRequestFromAForkIsPlannedAtAHeadOnlyItsPullRefReaches) {
    // The fork's commit: on no branch of the repository, only under refs/pull/7/head.
    repo.git("checkout -q -b fork-work");
    auto head = repo.commit({{"app/variables.tf", "variable \"x\" {}\n"}}, "from a fork");
    repo.git("update-ref refs/pull/7/head " + head);
    repo.git("checkout -q main");
    repo.git("branch -q -D fork-work");

    // Served by git daemon: unlike file://, git:// sends only what the fetched refs reach.
    testing::GitDaemon server(dir.path());
    Executor executor(side, dir, "exec-r4");
    ASSERT_TRUE(executor.wait_healthy());
    auto plan = make_job(testing::unique_name("dep"), 1, repo, "app", head, "plan");
    plan.repo.clone_url = server.url("infra");
    plan.pull_number = 7;
    side.set_fence(plan.deployment_id, 1);
    side.publish(plan);
    ASSERT_TRUE(side.wait_state(plan.job_id, "planned")) << executor.process->log();
    EXPECT_TRUE(side.states_of(plan.job_id) ==
                (std::vector<std::string>{"started", "planning", "planned"}));
}

}  // namespace
}  // namespace strata::executor_test
