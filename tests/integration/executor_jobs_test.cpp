// The executor as a process on real RabbitMQ and Redis, with the terraform test double, driven
// through the job protocol by the test standing in for the scheduler: plans with and without
// changes, held plans applied or discarded from the executor's own queue, terraform's errors,
// stale jobs, leases, logs.
#include <gtest/gtest.h>

#include "executor_harness.hpp"

namespace strata::executor_test {
namespace {

std::vector<std::string> stream_lines(SchedulerSide& side, const std::string& deployment_id) {
    std::vector<std::string> lines;
    auto reply = side.redis({"XRANGE", side.prefix + ":log:" + deployment_id, "-", "+"});
    for (const auto& e : reply.elements) {
        const auto& f = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < f.size(); i += 2)
            lines.push_back(f[i].str == "line" ? f[i + 1].str : "<" + f[i].str + ">");
    }
    return lines;
}

std::string stored_log(const Executor& e, const std::string& deployment_id) {
    std::string all;
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& f : fs::directory_iterator(e.log_dir + "/" + deployment_id, ec))
        names.push_back(f.path().string());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) all += read_file(n);
    return all;
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& l : lines)
        if (l.find(text) != std::string::npos) return true;
    return false;
}

class ExecutorJobs : public ExecutorTest {
protected:
    void SetUp() override {
        repo.commit({{"app/main.tf", "resource \"null_resource\" \"a\" {}\n"},
                     {"app/.fake-terraform", "changes=2\n"},
                     {"empty/main.tf", "\n"},
                     {"empty/.fake-terraform", "changes=0\n"},
                     {"broken/main.tf", "\n"},
                     {"broken/.fake-terraform", "fail=plan\n"}});
        revision = repo.head();
    }
};

TEST_F(ExecutorJobs, DeployIsLeasedPlannedHeldAndThenAppliedFromTheExecutorsOwnQueue) {
    Executor executor(side, dir, "exec-a");
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("app");
    side.publish(deploy);

    auto planned = side.wait_state(deploy.job_id, "planned");
    ASSERT_TRUE(planned) << executor.process->log();
    ASSERT_TRUE(planned->plan.has_value());
    EXPECT_EQ(planned->plan->add, 2);
    EXPECT_EQ(planned->executor_id, "exec-a");
    EXPECT_EQ(side.states_of(deploy.job_id),
              (std::vector<std::string>{"started", "planning", "planned"}));
    EXPECT_EQ(side.wait_state(deploy.job_id, "planning")->revision_order, "none");
    // The plan is held: its lease is renewed and its work dir kept.
    auto lease = side.redis({"HGET", side.prefix + ":lease:" + deploy.job_id, "executor"});
    EXPECT_EQ(lease.str, "exec-a");
    EXPECT_EQ(side.redis({"ZSCORE", side.prefix + ":leases", deploy.job_id}).type,
              RedisReply::Type::String);
    EXPECT_FALSE(fs::is_empty(executor.work_dir));
    EXPECT_EQ(terraform_calls().find(" apply "), std::string::npos)
        << "applied without an apply job";

    auto apply = follow_up(deploy, "apply");
    side.publish(apply, "job.run.exec-a");
    ASSERT_TRUE(side.wait_state(apply.job_id, "succeeded")) << executor.process->log();
    EXPECT_EQ(side.states_of(apply.job_id),
              (std::vector<std::string>{"started", "applying", "succeeded"}));
    EXPECT_NE(terraform_calls().find(" apply -input=false -no-color "), std::string::npos);

    // The deployment ended: leases dropped, work dir removed, log stored and its stream ended.
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 10s));
    EXPECT_EQ(side.redis({"ZCARD", side.prefix + ":leases"}).integer, 0);
    EXPECT_EQ(side.redis({"EXISTS", side.prefix + ":lease:" + apply.job_id}).integer, 0);
    auto lines = stream_lines(side, deploy.deployment_id);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "<end>");
    EXPECT_TRUE(contains(lines, "Plan: 2 to add, 0 to change, 0 to destroy."));
    EXPECT_TRUE(contains(lines, "Apply complete! Resources: 2 added"));
    ASSERT_TRUE(testing::run_until(
        side.loop,
        [&] {
            return stored_log(executor, deploy.deployment_id).find("Apply complete") !=
                   std::string::npos;
        },
        10s));
    EXPECT_NE(stored_log(executor, deploy.deployment_id).find("Plan: 2 to add"), std::string::npos);
}

TEST_F(ExecutorJobs, EmptyPlanIsReportedAndItsDiscardRemovesTheWorkDir) {
    Executor executor(side, dir, "exec-b");
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("empty");
    side.publish(deploy);
    auto planned = side.wait_state(deploy.job_id, "planned");
    ASSERT_TRUE(planned) << executor.process->log();
    ASSERT_TRUE(planned->plan.has_value());
    EXPECT_FALSE(planned->plan->has_changes());
    EXPECT_FALSE(fs::is_empty(executor.work_dir));

    // The scheduler finished the deployment (fence 0) before it sent the discard.
    side.set_fence(deploy.deployment_id, 0);
    side.publish(follow_up(deploy, "discard"), "job.run.exec-b");
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 10s));
    EXPECT_EQ(side.redis({"ZCARD", side.prefix + ":leases"}).integer, 0);
    EXPECT_EQ(side.states_of(deploy.job_id),
              (std::vector<std::string>{"started", "planning", "planned"}));
    EXPECT_EQ(terraform_calls().find(" apply "), std::string::npos);
}

// The live stream is capped (XADD MAXLEN ~: Redis trims whole nodes, so a little more may stay),
// the stored log is not.
TEST_F(ExecutorJobs, TheLiveLogStreamIsCappedWhileTheStoredLogKeepsEveryLine) {
    repo.commit({{"chatty/main.tf", "\n"},
                 {"chatty/.fake-terraform", "changes=1\nprogress=600\ntick=0\n"}});
    revision = repo.head();
    Executor executor(side, dir, "exec-cap", {{"STRATA_LIVE_LOG_MAX_LINES", "100"}});
    ASSERT_TRUE(executor.wait_healthy());
    auto plan = job("chatty", 1, "plan");
    side.publish(plan);
    ASSERT_TRUE(side.wait_state(plan.job_id, "planned")) << executor.process->log();
    ASSERT_TRUE(testing::run_until(
        side.loop,
        [&] {
            return stored_log(executor, plan.deployment_id).find("step 600 of 600") !=
                   std::string::npos;
        },
        10s));
    auto length = side.redis({"XLEN", side.prefix + ":log:" + plan.deployment_id}).integer;
    EXPECT_GE(length, 100);
    EXPECT_LT(length, 400) << "the live log stream was not capped";
    auto stored = stored_log(executor, plan.deployment_id);
    EXPECT_NE(stored.find("step 1 of 600"), std::string::npos);
    EXPECT_NE(stored.find("step 600 of 600"), std::string::npos);
}

TEST_F(ExecutorJobs, TerraformErrorIsReportedFailedWithItsOutputAndNotRetried) {
    Executor executor(side, dir, "exec-c");
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("broken");
    side.publish(deploy);
    auto failed = side.wait_state(deploy.job_id, "failed");
    ASSERT_TRUE(failed) << executor.process->log();
    EXPECT_NE(failed->detail.find("terraform plan failed (exit code 1)"), std::string::npos)
        << failed->detail;
    EXPECT_NE(failed->detail.find("simulated by fake-terraform: fail=plan"), std::string::npos)
        << failed->detail;
    side.settle(1500ms);
    std::string calls = terraform_calls();
    std::size_t plans = 0;
    for (auto at = calls.find(" plan "); at != std::string::npos; at = calls.find(" plan ", at + 1))
        ++plans;
    EXPECT_EQ(plans, 1u) << calls;
    EXPECT_EQ(side.states_of(deploy.job_id),
              (std::vector<std::string>{"started", "planning", "failed"}));
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 10s));
    EXPECT_EQ(stream_lines(side, deploy.deployment_id).back(), "<end>");
}

TEST_F(ExecutorJobs, PullRequestPlanEndsAfterItsPlan) {
    Executor executor(side, dir, "exec-d");
    ASSERT_TRUE(executor.wait_healthy());
    auto plan = job("app", 1, "plan");
    side.publish(plan);
    ASSERT_TRUE(side.wait_state(plan.job_id, "planned")) << executor.process->log();
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 10s));
    EXPECT_EQ(side.redis({"ZCARD", side.prefix + ":leases"}).integer, 0);
    EXPECT_EQ(terraform_calls().find(" apply "), std::string::npos);
}

TEST_F(ExecutorJobs, JobWithAStaleFenceIsAckedAndNeverRun) {
    Executor executor(side, dir, "exec-e");
    ASSERT_TRUE(executor.wait_healthy());
    auto stale = job("app", 4);
    side.set_fence(stale.deployment_id, 5);  // dispatched again since
    side.publish(stale);
    auto fresh = job("empty", 1);
    side.publish(fresh);
    ASSERT_TRUE(side.wait_state(fresh.job_id, "planned")) << executor.process->log();
    EXPECT_TRUE(side.states_of(stale.job_id).empty());
    EXPECT_EQ(side.redis({"EXISTS", side.prefix + ":lease:" + stale.job_id}).integer, 0);
    EXPECT_EQ(terraform_calls().find("/app "), std::string::npos);
}

TEST_F(ExecutorJobs, LostLeaseKillsTerraformAtOnceAndNothingMoreIsReported) {
    repo.commit({{"slow/main.tf", "\n"}, {"slow/.fake-terraform", "wait_file=/nonexistent\n"}});
    revision = repo.head();
    Executor executor(side, dir, "exec-f");
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("slow");
    side.publish(deploy);
    ASSERT_TRUE(side.wait_state(deploy.job_id, "planning"));
    ASSERT_TRUE(testing::run_until(
        side.loop,
        [&] { return contains(stream_lines(side, deploy.deployment_id), "planning: waiting"); },
        10s));
    ASSERT_GT(processes_in(executor.work_dir), 0);

    side.set_fence(deploy.deployment_id, 2);  // the scheduler dispatched it again
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return processes_in(executor.work_dir) == 0; }, 5s))
        << "terraform still runs after the lease was lost";
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 5s));
    side.settle(500ms);
    EXPECT_EQ(side.states_of(deploy.job_id), (std::vector<std::string>{"started", "planning"}));
    EXPECT_EQ(side.redis({"EXISTS", side.prefix + ":lease:" + deploy.job_id}).integer, 0);
    EXPECT_TRUE(executor.process->running());
}

TEST_F(ExecutorJobs, StepPastItsTimeoutIsKilledWithItsGroupAndReportedFailed) {
    // The double ignores SIGTERM: only the SIGKILL after the grace period ends it.
    repo.commit({{"hang/main.tf", "\n"},
                 {"hang/.fake-terraform", "wait_file=/nonexistent\nignore_term=1\n"}});
    revision = repo.head();
    Executor executor(side, dir, "exec-g",
                      {{"STRATA_PLAN_TIMEOUT", "1s"}, {"STRATA_KILL_GRACE", "1s"}});
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("hang");
    side.publish(deploy);
    auto failed = side.wait_state(deploy.job_id, "failed", 20s);
    ASSERT_TRUE(failed) << executor.process->log();
    EXPECT_NE(failed->detail.find("terraform plan timed out after 1s"), std::string::npos)
        << failed->detail;
    EXPECT_NE(failed->detail.find("planning: waiting for /nonexistent"), std::string::npos);
    EXPECT_EQ(processes_in(executor.work_dir), 0);
}

TEST_F(ExecutorJobs, JobSlotsBoundHowManyJobsRunAtOnce) {
    repo.commit({{"s1/main.tf", "\n"},
                 {"s1/.fake-terraform", "changes=0\ndelay_plan=1\n"},
                 {"s2/main.tf", "\n"},
                 {"s2/.fake-terraform", "changes=0\ndelay_plan=1\n"},
                 {"s3/main.tf", "\n"},
                 {"s3/.fake-terraform", "changes=0\ndelay_plan=1\n"}});
    revision = repo.head();
    Executor executor(side, dir, "exec-h", {{"STRATA_JOB_SLOTS", "2"}});
    ASSERT_TRUE(executor.wait_healthy());
    std::vector<JobRun> jobs = {job("s1", 1, "plan"), job("s2", 1, "plan"), job("s3", 1, "plan")};
    for (const auto& j : jobs) side.publish(j);
    long long most = 0;
    ASSERT_TRUE(testing::run_until(
        side.loop,
        [&] {
            most = std::max(most, side.redis({"ZCARD", side.prefix + ":leases"}).integer);
            for (const auto& j : jobs)
                if (side.states_of(j.job_id).empty() ||
                    side.states_of(j.job_id).back() != "planned")
                    return false;
            return true;
        },
        30s))
        << executor.process->log();
    EXPECT_EQ(most, 2);
}

TEST_F(ExecutorJobs, SecretsAppearInNoLogLineStoredLogPublishedMessageOrTheExecutorsLog) {
    const std::string root_secret = "hunter2-correct-horse-battery";
    const std::string env_secret = "env-secret-0f3a9c";
    const std::string pattern_secret = "AKIAABCDEFGHIJKLMNOP";
    write_file(dir / "vars/mapping", "acme/infra||secret*  secret.env\n");
    write_file(dir / "vars/secret.env", "TF_VAR_token=" + root_secret + "\n");
    repo.commit({{"secret/main.tf", "\n"},
                 {"secret/.fake-terraform",
                  "changes=1\nprint_env=TF_VAR_token\nprint_env=EXTRA\n"
                  "print=key " +
                      pattern_secret + "\n"},
                 {"secretfail/main.tf", "\n"},
                 {"secretfail/.fake-terraform",
                  "fail=plan\nprint_env=TF_VAR_token\nprint=" + root_secret + "\n"}});
    revision = repo.head();
    Executor executor(
        side, dir, "exec-i",
        {{"STRATA_ROOT_VARIABLES", dir / "vars/mapping"},
         {"STRATA_TERRAFORM_ENV",
          "FAKE_TERRAFORM_LOG=" + (dir / "terraform-calls.log") + ",EXTRA=" + env_secret}});
    ASSERT_TRUE(executor.wait_healthy());
    auto deploy = job("secret");
    auto failing = job("secretfail");
    side.publish(deploy);
    side.publish(failing);
    ASSERT_TRUE(side.wait_state(deploy.job_id, "planned")) << executor.process->log();
    auto apply = follow_up(deploy, "apply");
    side.publish(apply, "job.run.exec-i");
    ASSERT_TRUE(side.wait_state(apply.job_id, "succeeded"));
    auto failed = side.wait_state(failing.job_id, "failed");
    ASSERT_TRUE(failed);
    ASSERT_TRUE(testing::run_until(
        side.loop, [&] { return fs::is_empty(executor.work_dir); }, 10s));

    // The lines were there, with the secrets replaced.
    auto lines = stream_lines(side, deploy.deployment_id);
    EXPECT_TRUE(contains(lines, "TF_VAR_token=***"));
    EXPECT_TRUE(contains(lines, "EXTRA=***"));
    EXPECT_TRUE(contains(lines, "key ***"));
    EXPECT_NE(failed->detail.find("TF_VAR_token=***"), std::string::npos) << failed->detail;
    std::vector<std::pair<std::string, std::string>> places = {
        {"the executor's log", executor.process->log()},
        {"the stored log",
         stored_log(executor, deploy.deployment_id) + stored_log(executor, failing.deployment_id)}};
    for (const auto& l : lines) places.push_back({"a live log line", l});
    for (const auto& l : stream_lines(side, failing.deployment_id))
        places.push_back({"a live log line", l});
    for (const auto& m : side.raw_states) places.push_back({"a job.state message", m});
    ASSERT_FALSE(side.raw_states.empty());
    for (const auto& [where, text] : places)
        for (const auto& secret : {root_secret, env_secret, pattern_secret})
            EXPECT_EQ(text.find(secret), std::string::npos)
                << secret << " in " << where << ": " << text;
}

}  // namespace
}  // namespace strata::executor_test
