// One deployment's terraform work in this executor: prepares the work dir (job_checkout.hpp),
// then init, plan -out -detailed-exitcode, show -json for the summary; the plan file and work dir
// stay until remove_work_dir(), so a later apply() of the same plan runs here. Each step is a
// child process (child_process.hpp) with its own timeout.
//
// Reports planning (with the revision order), planned (with the summary), applying, succeeded
// and failed through `report`; every line of output, redacted, through `output` (show -json's
// output excepted: it holds values and only feeds the summary). Terraform's own errors are the
// user's: failed, with the output tail, never retried. Lives on the loop thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "job_checkout.hpp"
#include "strata/loop.hpp"

namespace strata::executor {

// Done: planned (plan) or succeeded (apply). Failed: reported failed. Stopped: stop() or kill()
// ended it, nothing more was reported.
enum class RunOutcome { Done, Failed, Stopped };

class JobRunner : public std::enable_shared_from_this<JobRunner> {
public:
    using Report = std::function<void(JobState)>;
    using Output = std::function<void(const std::string& line)>;
    using Done = std::function<void(RunOutcome)>;

    JobRunner(Loop& loop, MirrorCache& mirrors, std::shared_ptr<const RunnerSettings> settings,
              JobRun job, Report report, Output output);

    // The deploy or plan job given at construction.
    void plan(Done done);
    // The apply job of the plan this runner holds (after plan() was Done). Its time limit is the
    // job's apply_timeout (the root's, from strata.yaml) when set, else the executor's.
    void apply(const JobRun& apply_job, Done done);
    // Shutdown: ends a step that is not an apply (SIGTERM, then SIGKILL after the grace).
    void stop();
    // The lease is lost: SIGKILL to the running step's group now, whatever it is.
    void kill();
    void remove_work_dir(std::function<void()> done);

    bool busy() const { return busy_; }
    bool applying() const { return applying_; }
    const std::optional<PlanSummary>& plan_summary() const { return plan_; }

private:
    void after_prepare(Result<PreparedJob> prepared);
    void run_step(const std::string& step, std::vector<std::string> args,
                  std::chrono::milliseconds timeout, std::function<void(int exit_code)> next);
    void after_plan(int exit_code);
    void after_show(int exit_code);
    void fail(const std::string& what, bool with_tail = true);
    void end(RunOutcome outcome);
    void report(const std::string& state, std::string detail = "", std::string order = "");
    void emit(const std::string& line);

    Loop& loop_;
    MirrorCache& mirrors_;
    std::shared_ptr<const RunnerSettings> settings_;
    JobRun job_;  // the job whose states are reported: deploy/plan, then apply
    Report report_;
    Output output_;
    Done done_;
    std::string work_dir_;
    std::string plan_file_;
    std::optional<PreparedJob> prepared_;
    std::shared_ptr<ChildProcess> current_;
    std::string show_json_;
    bool capturing_show_ = false;
    std::deque<std::string> tail_;  // last lines of output, for failure reports
    std::optional<PlanSummary> plan_;
    bool busy_ = false;
    bool applying_ = false;
    bool stopped_ = false;
};

}  // namespace strata::executor
