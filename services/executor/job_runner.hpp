// Runs one job: checks the revision out of the mirror into a fresh work dir, then terraform
// init, plan -out (-detailed-exitcode), show -json and, when the plan has changes and needs no
// review, apply. Reports each state through on_state; calls on_done once at the end, after the
// work dir is removed. Lives on the loop thread; git work goes to the thread pool.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "strata/git.hpp"
#include "strata/messages.hpp"

namespace strata {
class Loop;
}

namespace strata::executor {

struct TerraformSettings {
    std::string binary = "terraform";
    std::string search_path = "/usr/local/bin:/usr/bin:/bin";
    std::vector<std::string> extra_env;  // "NAME=value"
    std::chrono::milliseconds step_timeout{60 * 60 * 1000};
};

class JobRunner : public std::enable_shared_from_this<JobRunner> {
public:
    using StateCallback = std::function<void(JobState)>;

    JobRunner(Loop& loop, MirrorCache& mirrors, TerraformSettings settings, std::string work_root,
              std::string executor_id, JobRun job);

    void start(StateCallback on_state, std::function<void()> on_done);
    // Shutdown: stops a job that has not reached apply (the running step's group gets SIGTERM,
    // then SIGKILL) and reports nothing more, so the job can be handed back. An apply is never
    // interrupted voluntarily: it runs to its end.
    void abort();
    bool aborted() const { return aborted_; }

private:
    void checkout();
    void run_step(std::vector<std::string> args, std::function<void(int exit_code)> next);
    void after_plan(int exit_code);
    void report(const std::string& state, std::string detail = "");
    void finish(const std::string& state, std::string detail = "");

    Loop& loop_;
    MirrorCache& mirrors_;
    TerraformSettings settings_;
    std::string work_dir_;
    std::string root_dir_;
    std::string executor_id_;
    JobRun job_;
    StateCallback on_state_;
    std::function<void()> on_done_;
    std::shared_ptr<ChildProcess> current_;
    std::string show_output_;
    std::vector<std::string> tail_;  // last lines of output, for failure reports
    std::optional<PlanSummary> plan_;
    bool capturing_show_ = false;
    bool aborted_ = false;
    bool applying_ = false;
};

// Resolves dir inside checkout; an error when it is absolute or escapes it (".." or a symlink).
Result<std::string> root_directory(const std::string& checkout, const std::string& dir);

}  // namespace strata::executor
