#include "job_runner.hpp"

#include <filesystem>

#include "child_process.hpp"
#include "plan_summary.hpp"
#include "strata/log.hpp"
#include "strata/loop.hpp"

namespace strata::executor {
namespace fs = std::filesystem;

Result<std::string> root_directory(const std::string& checkout, const std::string& dir) {
    fs::path rel(dir);
    if (rel.is_absolute()) return make_error("root dir '" + dir + "' is absolute");
    std::error_code ec;
    auto base = fs::weakly_canonical(checkout, ec);
    auto full = fs::weakly_canonical(fs::path(checkout) / rel, ec);
    if (ec) return make_error("resolving root dir '" + dir + "': " + ec.message());
    auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
    if (b != base.end()) return make_error("root dir '" + dir + "' escapes the repository");
    if (!fs::is_directory(full)) return make_error("root dir '" + dir + "' does not exist");
    return full.string();
}

JobRunner::JobRunner(Loop& loop, MirrorCache& mirrors, TerraformSettings settings,
                     std::string work_root, std::string executor_id, JobRun job)
    : loop_(loop),
      mirrors_(mirrors),
      settings_(std::move(settings)),
      executor_id_(std::move(executor_id)),
      job_(std::move(job)) {
    std::string safe;
    for (char c : job_.job_id)
        safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    work_dir_ = (fs::path(work_root) / safe).string();
}

void JobRunner::start(StateCallback on_state, std::function<void()> on_done) {
    on_state_ = std::move(on_state);
    on_done_ = std::move(on_done);
    report("planning");
    checkout();
}

void JobRunner::abort() {
    if (applying_) return;
    aborted_ = true;
    if (current_) current_->terminate();
}

void JobRunner::report(const std::string& state, std::string detail) {
    JobState s;
    s.job_id = job_.job_id;
    s.deployment_id = job_.deployment_id;
    s.fencing_token = job_.fencing_token;
    s.executor_id = executor_id_;
    s.state = state;
    s.plan = plan_;
    s.detail = std::move(detail);
    if (on_state_) on_state_(std::move(s));
}

void JobRunner::finish(const std::string& state, std::string detail) {
    if (!aborted_) report(state, std::move(detail));
    auto dir = work_dir_;
    auto self = shared_from_this();
    loop_.queue_work(
        [dir] {
            std::error_code ec;
            fs::remove_all(dir, ec);
        },
        [self] {
            if (self->on_done_) std::exchange(self->on_done_, nullptr)();
        });
}

void JobRunner::checkout() {
    auto self = shared_from_this();
    auto error = std::make_shared<std::string>();
    loop_.queue_work(
        [self, error] {
            std::error_code ec;
            fs::remove_all(self->work_dir_, ec);
            auto used = self->mirrors_.use(
                self->job_.repo.full_name, self->job_.repo.clone_url, self->job_.revision, "",
                [&](GitMirror& mirror) {
                    if (auto out = mirror.checkout(self->job_.revision, self->work_dir_); !out)
                        *error = out.error().message;
                });
            if (!used)
                *error = used.error().message;
            else if (!*used)
                *error = "revision " + self->job_.revision + " not found";
            if (!error->empty()) return;
            auto root = root_directory(self->work_dir_, self->job_.root.dir);
            if (!root)
                *error = root.error().message;
            else
                self->root_dir_ = *root;
        },
        [self, error] {
            if (!error->empty()) return self->finish("failed", "checking out: " + *error);
            self->run_step({"init", "-input=false", "-no-color"}, [self](int code) {
                if (code != 0) return self->finish("failed", "terraform init failed");
                self->run_step({"plan", "-input=false", "-no-color", "-detailed-exitcode",
                                "-out=strata.tfplan"},
                               [self](int code) { self->after_plan(code); });
            });
        });
}

void JobRunner::run_step(std::vector<std::string> args, std::function<void(int)> next) {
    if (aborted_) return finish("failed", "executor shutting down");
    ProcessSpec spec;
    spec.argv.push_back(settings_.binary);
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.cwd = root_dir_;
    spec.env = {"PATH=" + settings_.search_path, "HOME=" + work_dir_, "TF_IN_AUTOMATION=1",
                "TF_INPUT=0"};
    spec.env.insert(spec.env.end(), settings_.extra_env.begin(), settings_.extra_env.end());
    spec.timeout = settings_.step_timeout;
    auto self = shared_from_this();
    auto step = args.front();
    auto started = ChildProcess::spawn(
        loop_, spec,
        [self, step](std::string_view line, bool is_stderr) {
            std::string text = log::redact(std::string(line));
            if (self->capturing_show_ && !is_stderr) {
                self->show_output_ += text;
                self->show_output_ += '\n';
                return;
            }
            self->tail_.push_back(text);
            if (self->tail_.size() > 20) self->tail_.erase(self->tail_.begin());
            log::debug("terraform", {{"step", step}, {"line", text}}, self->job_.deployment_id);
        },
        [self, step, next = std::move(next)](ProcessExit exit) {
            self->current_.reset();
            if (exit.timed_out) return self->finish("failed", "terraform " + step + " timed out");
            if (self->aborted_) return self->finish("failed", "executor shutting down");
            next(exit.exit_code);
        });
    if (!started) return finish("failed", started.error().message);
    current_ = *started;
}

void JobRunner::after_plan(int exit_code) {
    auto self = shared_from_this();
    if (exit_code == 1 || (exit_code != 0 && exit_code != 2)) {
        std::string detail = "terraform plan failed";
        for (const auto& l : tail_) detail += "\n" + l;
        return finish("failed", detail);
    }
    capturing_show_ = true;
    run_step({"show", "-json", "-no-color", "strata.tfplan"}, [self, exit_code](int code) {
        self->capturing_show_ = false;
        if (code != 0) return self->finish("failed", "terraform show failed");
        auto summary = summarize_plan(self->show_output_);
        if (!summary) return self->finish("failed", summary.error().message);
        self->plan_ = *summary;
        if (exit_code == 0 || !self->plan_->has_changes())
            return self->finish("succeeded", "no changes");
        if (self->aborted_) return self->finish("failed");
        self->applying_ = true;
        self->report("applying");
        self->run_step({"apply", "-input=false", "-no-color", "strata.tfplan"}, [self](int code) {
            if (code != 0) {
                std::string detail = "terraform apply failed";
                for (const auto& l : self->tail_) detail += "\n" + l;
                return self->finish("failed", detail);
            }
            self->finish("succeeded");
        });
    });
}

}  // namespace strata::executor
