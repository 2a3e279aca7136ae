#include "job_runner.hpp"

#include <filesystem>

#include "plan_summary.hpp"
#include "strata/config.hpp"
#include "strata/log.hpp"

namespace strata::executor {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kTailLines = 30;
constexpr std::size_t kMaxLineInDetail = 500;

std::string human(std::chrono::milliseconds d) {
    auto ms = d.count();
    if (ms % 1000 != 0) return std::to_string(ms) + "ms";
    return ms % 60'000 == 0 ? std::to_string(ms / 60'000) + "m" : std::to_string(ms / 1000) + "s";
}

// The root's apply timeout carried by the job (strata.yaml apply.timeout), else the executor's.
Result<std::chrono::milliseconds> apply_timeout_of(const JobRun& job,
                                                   std::chrono::milliseconds fallback) {
    if (job.apply_timeout.empty()) return fallback;
    auto t = parse_duration(job.apply_timeout);
    if (!t || t->count() <= 0)
        return make_error("the root's apply timeout '" + job.apply_timeout +
                          "' is not a duration (like 45m); nothing was applied");
    return *t;
}

}  // namespace

JobRunner::JobRunner(Loop& loop, MirrorCache& mirrors,
                     std::shared_ptr<const RunnerSettings> settings, JobRun job, Report report,
                     Output output)
    : loop_(loop),
      mirrors_(mirrors),
      settings_(std::move(settings)),
      job_(std::move(job)),
      report_(std::move(report)),
      output_(std::move(output)) {
    work_dir_ = job_work_dir(settings_->work_root, job_.deployment_id, job_.fencing_token);
    plan_file_ = (fs::path(work_dir_) / "strata.tfplan").string();
}

void JobRunner::plan(Done done) {
    done_ = std::move(done);
    busy_ = true;
    output_("[strata] " + settings_->executor_id + ": " + job_.kind + " job " + job_.job_id + ", " +
            job_.repo.full_name + " at " + job_.revision + ", root " + job_.root.name + " (dir '" +
            job_.root.dir + "')");
    auto self = shared_from_this();
    auto result = std::make_shared<std::optional<Result<PreparedJob>>>();
    loop_.queue_work(
        [self, result] {
            result->emplace(
                prepare_job(self->mirrors_, *self->settings_, self->job_, self->work_dir_));
        },
        [self, result] { self->after_prepare(std::move(**result)); });
}

void JobRunner::after_prepare(Result<PreparedJob> prepared) {
    if (stopped_) return end(RunOutcome::Stopped);
    if (!prepared) return fail(prepared.error().message, false);
    prepared_ = std::move(*prepared);
    emit("[strata] revision order against the last attempted revision: " +
         prepared_->revision_order);
    report("planning", "", prepared_->revision_order);
    auto self = shared_from_this();
    const auto& tf = settings_->terraform;
    run_step("init", init_args(), tf.init_timeout, [self](int code) {
        if (code != 0)
            return self->fail("terraform init failed (exit code " + std::to_string(code) + ")");
        self->run_step("plan", plan_args(self->plan_file_), self->settings_->terraform.plan_timeout,
                       [self](int code) { self->after_plan(code); });
    });
}

void JobRunner::after_plan(int exit_code) {
    if (exit_code != 0 && exit_code != 2)
        return fail("terraform plan failed (exit code " + std::to_string(exit_code) + ")");
    auto self = shared_from_this();
    capturing_show_ = true;
    run_step("show", show_args(plan_file_), settings_->terraform.show_timeout,
             [self](int code) { self->after_show(code); });
}

void JobRunner::after_show(int exit_code) {
    capturing_show_ = false;
    if (exit_code != 0)
        return fail("terraform show failed (exit code " + std::to_string(exit_code) + ")");
    auto summary = summarize_plan(show_json_);
    show_json_.clear();
    if (!summary) return fail("reading the plan: " + summary.error().message, false);
    for (auto& address : summary->resources) address = prepared_->redactor(address);
    plan_ = std::move(*summary);
    report("planned");
    end(RunOutcome::Done);
}

void JobRunner::apply(const JobRun& apply_job, Done done) {
    done_ = std::move(done);
    job_ = apply_job;
    busy_ = true;
    applying_ = true;
    tail_.clear();
    auto timeout = apply_timeout_of(apply_job, settings_->terraform.apply_timeout);
    if (!timeout) return fail(timeout.error().message, false);
    report("applying");
    auto self = shared_from_this();
    run_step("apply", apply_args(plan_file_), *timeout, [self](int code) {
        if (code != 0)
            return self->fail("terraform apply failed (exit code " + std::to_string(code) + ")");
        self->report("succeeded");
        self->end(RunOutcome::Done);
    });
}

void JobRunner::run_step(const std::string& step, std::vector<std::string> args,
                         std::chrono::milliseconds timeout, std::function<void(int)> next) {
    if (stopped_) return end(RunOutcome::Stopped);
    ProcessSpec spec;
    spec.argv.push_back(prepared_->binary);
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.cwd = prepared_->root_dir;
    spec.env = terraform_environment(settings_->terraform, (fs::path(work_dir_) / "home").string(),
                                     job_.root.workspace, prepared_->variables);
    spec.timeout = timeout;
    spec.kill_grace = settings_->terraform.kill_grace;
    std::string command = "$";
    for (const auto& a : spec.argv) command += " " + a;
    emit("[strata] " + command);
    auto self = shared_from_this();
    auto started = ChildProcess::spawn(
        loop_, spec,
        [self](std::string_view line, bool is_stderr) {
            if (self->capturing_show_ && !is_stderr) {
                self->show_json_.append(line);
                self->show_json_ += '\n';
                return;
            }
            self->emit(self->prepared_->redactor(std::string(line)));
        },
        [self, step, timeout, next = std::move(next)](ProcessExit exit) {
            self->current_.reset();
            if (self->stopped_) return self->end(RunOutcome::Stopped);
            if (exit.timed_out)
                return self->fail("terraform " + step + " timed out after " + human(timeout) +
                                  " and was stopped");
            if (exit.signal != 0)
                return self->fail("terraform " + step + " was killed by signal " +
                                  std::to_string(exit.signal));
            next(exit.exit_code);
        });
    if (!started) return fail(started.error().message, false);
    current_ = *started;
}

void JobRunner::emit(const std::string& line) {
    tail_.push_back(line.size() > kMaxLineInDetail ? line.substr(0, kMaxLineInDetail) + "..."
                                                   : line);
    if (tail_.size() > kTailLines) tail_.pop_front();
    output_(line);
}

void JobRunner::fail(const std::string& what, bool with_tail) {
    std::string message = prepared_ ? prepared_->redactor(what) : log::redact(what);
    std::string detail = message;
    if (with_tail && !tail_.empty()) {
        detail += "\n";
        for (const auto& line : tail_) detail += "\n" + line;
    }
    emit("[strata] " + message);
    report("failed", detail);
    end(RunOutcome::Failed);
}

void JobRunner::end(RunOutcome outcome) {
    if (stopped_) outcome = RunOutcome::Stopped;  // whatever was reported, nothing more is
    busy_ = false;
    applying_ = false;
    if (done_) std::exchange(done_, nullptr)(outcome);
}

void JobRunner::report(const std::string& state, std::string detail, std::string order) {
    if (stopped_) return;
    JobState s;
    s.job_id = job_.job_id;
    s.deployment_id = job_.deployment_id;
    s.fencing_token = job_.fencing_token;
    s.executor_id = settings_->executor_id;
    s.state = state;
    s.revision_order = std::move(order);
    s.plan = plan_;
    s.detail = std::move(detail);
    if (report_) report_(std::move(s));
}

void JobRunner::stop() {
    if (applying_ || !busy_) return;  // an apply is never interrupted voluntarily
    stopped_ = true;
    if (current_) current_->terminate();
}

void JobRunner::kill() {
    stopped_ = true;
    if (current_) current_->kill_now();
}

void JobRunner::remove_work_dir(std::function<void()> done) {
    loop_.queue_work(
        [dir = work_dir_] {
            std::error_code ec;
            fs::remove_all(dir, ec);
        },
        [done = std::move(done)] {
            if (done) done();
        });
}

}  // namespace strata::executor
