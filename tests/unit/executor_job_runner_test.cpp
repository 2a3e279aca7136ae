// A deployment's terraform work (JobRunner) with the terraform test double, on a real loop and a
// real Git mirror, no servers: plans with and without changes, applies, terraform's errors,
// timeouts, shutdown, redaction of the root's variables, version selection, root dirs that escape.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "job_runner.hpp"
#include "support/test_servers.hpp"

namespace strata::executor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string sh(const std::string& cmd) {
    std::string out;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    char buf[512];
    while (auto n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << cmd << ": " << out;
    return out;
}

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

class Runner : public ::testing::Test {
protected:
    void SetUp() override {
        std::string t = ::testing::TempDir() + "strata-runner-XXXXXX";
        ASSERT_NE(mkdtemp(t.data()), nullptr);
        dir = t;
        repo = dir / "repo";
        write(repo / "app/main.tf", "\n");
        write(repo / "app/.fake-terraform", "changes=3\nupdate=1\ndestroy=1\n");
        write(repo / "empty/main.tf", "\n");
        write(repo / "empty/.fake-terraform", "changes=0\n");
        write(repo / "initfail/.fake-terraform", "fail=init\n");
        write(repo / "applyfail/.fake-terraform", "fail=apply\n");
        write(repo / "slow/.fake-terraform", "delay_plan=30\n");
        write(repo / "slowapply/.fake-terraform", "delay_apply=1\n");
        write(repo / "secret/.fake-terraform",
              "print_env=TF_VAR_db_password\nprint=key AKIAABCDEFGHIJKLMNOP\nfail=plan\n");
        write(repo / "versioned/.fake-terraform", "changes=1\n");
        write(dir / "outside/.fake-terraform", "changes=1\n");
        fs::create_directory_symlink(dir / "outside", repo / "link");
        std::string git = "git -C " + repo.string() + " -c user.name=t -c user.email=t@e ";
        sh(git + "init -q -b main");
        sh(git + "add -A");
        sh(git + "commit -q -m roots");
        revision = sh(git + "rev-parse HEAD").substr(0, 40);

        write(dir / "vars/mapping", "acme/infra||secret  secret.env\n");
        write(dir / "vars/secret.env", "TF_VAR_db_password=hunter2-correct-horse\n");
        fs::create_directories(dir / "versions");
        fs::create_symlink(std::string(STRATA_SOURCE_DIR) + "/tools/fake-terraform",
                           dir / "versions/terraform1.5.7");

        auto s = std::make_shared<RunnerSettings>();
        s->terraform.binary = std::string(STRATA_SOURCE_DIR) + "/tools/fake-terraform";
        s->terraform.kill_grace = 1s;
        s->work_root = (dir / "work").string();
        s->executor_id = "exec-unit";
        s->root_variables = (dir / "vars/mapping").string();
        s->secret_patterns = std::make_shared<std::vector<std::regex>>(
            *compile_secret_patterns({"AKIA[0-9A-Z]{16}"}));
        settings = s;
        mirrors.emplace((dir / "mirrors").string());
    }
    void TearDown() override {
        loop.close();
        fs::remove_all(dir);
    }

    JobRun job(const std::string& root, const std::string& root_dir = "") {
        JobRun j;
        j.deployment_id = "dep-" + root;
        j.fencing_token = 1;
        j.job_id = j.deployment_id + ":1";
        j.kind = "deploy";
        j.repo.full_name = "acme/infra";
        j.repo.clone_url = "file://" + repo.string();
        j.root.name = root;
        j.root.dir = root_dir.empty() ? root : root_dir;
        j.revision = revision;
        return j;
    }

    std::shared_ptr<JobRunner> runner(JobRun j) {
        return std::make_shared<JobRunner>(
            loop, *mirrors, settings, std::move(j),
            [this](JobState s) { states.push_back(std::move(s)); },
            [this](const std::string& line) { lines.push_back(line); });
    }

    std::optional<RunOutcome> plan(const std::shared_ptr<JobRunner>& r) {
        std::optional<RunOutcome> outcome;
        r->plan([&](RunOutcome o) { outcome = o; });
        testing::run_until(
            loop, [&] { return outcome.has_value(); }, 30s);
        return outcome;
    }

    std::vector<std::string> state_names() const {
        std::vector<std::string> out;
        for (const auto& s : states) out.push_back(s.state);
        return out;
    }
    bool output_has(const std::string& text) const {
        for (const auto& l : lines)
            if (l.find(text) != std::string::npos) return true;
        return false;
    }

    fs::path dir, repo;
    std::string revision;
    Loop loop;
    std::optional<MirrorCache> mirrors;
    std::shared_ptr<const RunnerSettings> settings;
    std::vector<JobState> states;
    std::vector<std::string> lines;
};

TEST_F(Runner, PlanWithChangesReportsTheRevisionOrderThenTheSummary) {
    auto r = runner(job("app"));
    EXPECT_EQ(plan(r), RunOutcome::Done);
    EXPECT_EQ(state_names(), (std::vector<std::string>{"planning", "planned"}));
    EXPECT_EQ(states[0].revision_order, "none");
    ASSERT_TRUE(states[1].plan.has_value());
    EXPECT_EQ(states[1].plan->add, 3);
    EXPECT_EQ(states[1].plan->change, 1);
    EXPECT_EQ(states[1].plan->destroy, 1);
    EXPECT_TRUE(output_has("Plan: 3 to add, 1 to change, 1 to destroy."));
    EXPECT_FALSE(output_has("\"format_version\"")) << "show -json output is not a log line";
    EXPECT_TRUE(fs::exists(dir / "work/dep-app-1/strata.tfplan")) << "the plan is held";
}

TEST_F(Runner, HeldPlanIsAppliedAndTheWorkDirRemovedAfterwards) {
    auto r = runner(job("app"));
    ASSERT_EQ(plan(r), RunOutcome::Done);
    auto apply = job("app");
    apply.job_id += ":apply";
    apply.kind = "apply";
    std::optional<RunOutcome> outcome;
    r->apply(apply, [&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 30s));
    EXPECT_EQ(*outcome, RunOutcome::Done);
    EXPECT_EQ(state_names(),
              (std::vector<std::string>{"planning", "planned", "applying", "succeeded"}));
    EXPECT_EQ(states.back().job_id, "dep-app:1:apply");
    EXPECT_TRUE(output_has("Apply complete! Resources: 3 added, 1 changed, 1 destroyed."));
    bool removed = false;
    r->remove_work_dir([&] { removed = true; });
    ASSERT_TRUE(testing::run_until(loop, [&] { return removed; }));
    EXPECT_FALSE(fs::exists(dir / "work/dep-app-1"));
}

TEST_F(Runner, NoChangesIsAnEmptyPlan) {
    auto r = runner(job("empty"));
    EXPECT_EQ(plan(r), RunOutcome::Done);
    ASSERT_EQ(states.size(), 2u);
    ASSERT_TRUE(states[1].plan.has_value());
    EXPECT_FALSE(states[1].plan->has_changes());
}

TEST_F(Runner, InitErrorFailsWithTerraformsOutputTail) {
    auto r = runner(job("initfail"));
    EXPECT_EQ(plan(r), RunOutcome::Failed);
    EXPECT_EQ(state_names(), (std::vector<std::string>{"planning", "failed"}));
    EXPECT_NE(states[1].detail.find("terraform init failed (exit code 1)"), std::string::npos);
    EXPECT_NE(states[1].detail.find("simulated by fake-terraform: fail=init"), std::string::npos);
}

TEST_F(Runner, ApplyErrorFails) {
    auto r = runner(job("applyfail"));
    ASSERT_EQ(plan(r), RunOutcome::Done);
    std::optional<RunOutcome> outcome;
    r->apply(job("applyfail"), [&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 30s));
    EXPECT_EQ(*outcome, RunOutcome::Failed);
    EXPECT_EQ(states.back().state, "failed");
    EXPECT_NE(states.back().detail.find("terraform apply failed"), std::string::npos);
    EXPECT_NE(states.back().detail.find("local-exec provisioner error"), std::string::npos);
}

TEST_F(Runner, PlanPastItsTimeoutIsStoppedAndFailed) {
    auto s = std::make_shared<RunnerSettings>(*settings);
    s->terraform.plan_timeout = 300ms;
    settings = s;
    auto r = runner(job("slow"));
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(plan(r), RunOutcome::Failed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_NE(states.back().detail.find("terraform plan timed out after 300ms"), std::string::npos)
        << states.back().detail;
    EXPECT_NE(states.back().detail.find("Interrupt received"), std::string::npos)
        << "terraform got SIGTERM first";
}

TEST_F(Runner, TheRootsApplyTimeoutReplacesTheExecutorsDefault) {
    auto r = runner(job("slowapply"));  // its apply takes 1 s; the executor allows 60 min
    ASSERT_EQ(plan(r), RunOutcome::Done);
    auto apply = job("slowapply");
    apply.apply_timeout = "300ms";
    std::optional<RunOutcome> outcome;
    r->apply(apply, [&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 30s));
    EXPECT_EQ(*outcome, RunOutcome::Failed);
    EXPECT_NE(states.back().detail.find("terraform apply timed out after 300ms"), std::string::npos)
        << states.back().detail;
}

TEST_F(Runner, AnApplyTimeoutThatIsNoDurationFailsBeforeApplying) {
    auto r = runner(job("slowapply"));
    ASSERT_EQ(plan(r), RunOutcome::Done);
    auto apply = job("slowapply");
    apply.apply_timeout = "soon";
    std::optional<RunOutcome> outcome;
    r->apply(apply, [&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 10s));
    EXPECT_EQ(*outcome, RunOutcome::Failed);
    EXPECT_EQ(states.back().state, "failed");
    EXPECT_NE(states.back().detail.find("apply timeout 'soon' is not a duration"),
              std::string::npos)
        << states.back().detail;
    EXPECT_FALSE(output_has("apply -input=false")) << "terraform apply ran";
    auto names = state_names();
    EXPECT_EQ(std::find(names.begin(), names.end(), "applying"), names.end());
}

TEST_F(Runner, ShutdownStopsAPlanWithoutReportingIt) {
    auto r = runner(job("slow"));
    std::optional<RunOutcome> outcome;
    r->plan([&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return output_has("plan -input=false"); }, 30s));
    r->stop();
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 10s));
    EXPECT_EQ(*outcome, RunOutcome::Stopped);
    EXPECT_EQ(state_names(), (std::vector<std::string>{"planning"}));
}

TEST_F(Runner, ShutdownNeverInterruptsAnApply) {
    auto r = runner(job("slowapply"));
    ASSERT_EQ(plan(r), RunOutcome::Done);
    std::optional<RunOutcome> outcome;
    r->apply(job("slowapply"), [&](RunOutcome o) { outcome = o; });
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return output_has("apply -input=false"); }, 10s));
    r->stop();
    ASSERT_TRUE(testing::run_until(
        loop, [&] { return outcome.has_value(); }, 30s));
    EXPECT_EQ(*outcome, RunOutcome::Done);
    EXPECT_EQ(states.back().state, "succeeded");
}

TEST_F(Runner, RootVariablesReachTerraformAndTheirValuesAppearNowhere) {
    auto r = runner(job("secret"));
    EXPECT_EQ(plan(r), RunOutcome::Failed);
    EXPECT_TRUE(output_has("TF_VAR_db_password=***")) << "the variable reached terraform";
    EXPECT_TRUE(output_has("key ***")) << "the configured pattern is redacted";
    for (const auto& l : lines) {
        EXPECT_EQ(l.find("hunter2-correct-horse"), std::string::npos) << l;
        EXPECT_EQ(l.find("AKIAABCDEFGHIJKLMNOP"), std::string::npos) << l;
    }
    for (const auto& s : states) {
        EXPECT_EQ(s.detail.find("hunter2-correct-horse"), std::string::npos) << s.detail;
        EXPECT_EQ(s.detail.find("AKIAABCDEFGHIJKLMNOP"), std::string::npos) << s.detail;
    }
    EXPECT_NE(states.back().detail.find("TF_VAR_db_password=***"), std::string::npos);
}

TEST_F(Runner, RequestedTerraformVersionRunsThatBinary) {
    // The configured binary is `terraform`; versions are terraform<version> beside it.
    fs::create_symlink(std::string(STRATA_SOURCE_DIR) + "/tools/fake-terraform",
                       dir / "versions/terraform");
    auto s = std::make_shared<RunnerSettings>(*settings);
    s->terraform.binary = (dir / "versions/terraform").string();
    s->terraform.versions_dir = (dir / "versions").string();
    settings = s;
    auto j = job("versioned");
    j.root.terraform_version = "1.5.7";
    auto r = runner(j);
    EXPECT_EQ(plan(r), RunOutcome::Done);
    EXPECT_TRUE(output_has("$ " + (dir / "versions/terraform1.5.7").string() + " init"));

    states.clear();
    auto missing = job("versioned");
    missing.root.terraform_version = "1.1.1";
    missing.deployment_id = "dep-missing";
    auto r2 = runner(missing);
    EXPECT_EQ(plan(r2), RunOutcome::Failed);
    EXPECT_EQ(state_names(), (std::vector<std::string>{"failed"}));
    EXPECT_NE(states[0].detail.find("terraform 1.1.1 is not installed"), std::string::npos);
}

TEST_F(Runner, RootDirEscapingTheCheckoutIsRefusedBeforeTerraformRuns) {
    for (const std::string& escape :
         {std::string("../outside"), std::string("link"), std::string("app/../../outside")}) {
        states.clear();
        lines.clear();
        auto j = job("escape", escape);
        j.deployment_id = "dep-escape-" + std::to_string(escape.size());
        auto r = runner(j);
        EXPECT_EQ(plan(r), RunOutcome::Failed) << escape;
        ASSERT_EQ(state_names(), (std::vector<std::string>{"failed"})) << escape;
        EXPECT_NE(states[0].detail.find("escapes the repository"), std::string::npos)
            << states[0].detail;
        EXPECT_FALSE(output_has("$ ")) << "terraform ran for " << escape;
    }
}

}  // namespace
}  // namespace strata::executor
