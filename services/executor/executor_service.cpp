#include "executor_service.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>

#include "job_runner.hpp"
#include "strata/log.hpp"
#include "strata/topology.hpp"

namespace strata::executor {
namespace {

struct ExecutorConfig {
    std::string id;
    std::string cache_dir;
    std::string work_dir;
    TerraformSettings terraform;
};

class ExecutorService : public Service {
public:
    explicit ExecutorService(ExecutorConfig config)
        : config_(std::move(config)), mirrors_(config_.cache_dir) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        std::error_code ec;
        // Work dirs of a previous life of this executor are swept on start-up.
        std::filesystem::remove_all(config_.work_dir, ec);
        std::filesystem::create_directories(config_.work_dir, ec);
        if (ec) return make_error("creating work dir " + config_.work_dir + ": " + ec.message());
        ctx.amqp.declare(topology::executor_work(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_job(d, std::move(c));
                         });
        return {};
    }

    void drain(std::function<void()> done) override {
        done_ = std::move(done);
        for (auto& [id, running] : running_) running.runner->abort();
        if (running_.empty()) std::exchange(done_, nullptr)();
    }

private:
    struct Running {
        std::shared_ptr<JobRunner> runner;
        std::shared_ptr<DeliveryControl> control;
        std::string correlation_id;
        bool publish_failed = false;
        bool finished = false;
    };

    void on_job(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        auto m = decode<JobRun>(delivery.body);
        if (!m) {
            log::error("dead-lettering job", {{"error", m.error().message}});
            return control->dead_letter(m.error().message);
        }
        const auto job_id = m->payload.job_id;
        if (running_.count(job_id)) return control->ack();  // a duplicate of a job in hand
        auto cid = m->envelope.correlation_id;
        log::info("job started", {{"job_id", job_id}, {"root", m->payload.root.name}}, cid);
        auto runner = std::make_shared<JobRunner>(ctx_->loop, mirrors_, config_.terraform,
                                                  config_.work_dir, config_.id, m->payload);
        running_[job_id] = Running{runner, std::move(control), cid};
        auto origin = Origin{"executor", cid, m->envelope.id};
        runner->start([this, job_id,
                       origin](JobState state) { publish_state(job_id, origin, std::move(state)); },
                      [this, job_id] { job_done(job_id); });
    }

    void publish_state(const std::string& job_id, const Origin& origin, JobState state) {
        auto id = derived_uuid("job-state|" + job_id + "|" + state.state);
        log::info("job state", {{"job_id", job_id}, {"state", state.state}}, origin.correlation_id);
        auto body = encode(make_message(std::move(state), origin, id));
        ++publishing_;
        ctx_->amqp.publish({std::string(JobState::kType),
                            std::move(body),
                            id,
                            origin.correlation_id,
                            "application/json",
                            {}},
                           [this, job_id](Result<void> sent) {
                               --publishing_;
                               auto it = running_.find(job_id);
                               if (!sent && it != running_.end()) it->second.publish_failed = true;
                               if (it != running_.end() && it->second.finished) settle(it);
                           });
    }

    void job_done(const std::string& job_id) {
        auto it = running_.find(job_id);
        if (it == running_.end()) return;
        it->second.finished = true;
        if (publishing_ == 0) settle(it);
    }

    void settle(std::map<std::string, Running>::iterator it) {
        if (publishing_ > 0) return;
        auto& r = it->second;
        // A job handed back at shutdown (aborted before apply) goes to another executor.
        if (r.publish_failed || r.runner->aborted())
            r.control->requeue();
        else
            r.control->ack();
        log::info("job settled",
                  {{"job_id", it->first}, {"requeued", r.publish_failed ? "true" : "false"}},
                  r.correlation_id);
        running_.erase(it);
        if (running_.empty() && done_) std::exchange(done_, nullptr)();
    }

    ExecutorConfig config_;
    MirrorCache mirrors_;
    DaemonContext* ctx_ = nullptr;
    std::map<std::string, Running> running_;
    int publishing_ = 0;
    std::function<void()> done_;
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = s.find(sep, start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace

DaemonInfo daemon_info() {
    return {
        "executor",
        "Runs terraform init, plan and apply for the jobs the scheduler dispatches. Start as "
        "many as you like; they share one work queue.",
        {
            {"executor_id", "", "this executor's id (default: host name and process id)"},
            {"cache_dir", "/var/lib/strata/executor/mirrors", "where repository mirrors live"},
            {"work_dir", "/var/lib/strata/executor/work", "where jobs check out (swept at start)"},
            {"terraform_bin", "terraform", "the terraform (or tofu) binary"},
            {"terraform_search_path", "/usr/local/bin:/usr/bin:/bin", "PATH given to terraform"},
            {"terraform_env", "", "extra NAME=value pairs for terraform, comma separated", true},
            {"step_timeout", "60m", "time limit of each terraform step"},
        }};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    ExecutorConfig c;
    c.id = config.get("executor_id");
    if (c.id.empty()) {
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        c.id = std::string(host) + "-" + std::to_string(getpid());
    }
    c.cache_dir = config.get("cache_dir");
    c.work_dir = config.get("work_dir");
    c.terraform.binary = config.get("terraform_bin");
    c.terraform.search_path = config.get("terraform_search_path");
    c.terraform.extra_env = split(config.get("terraform_env"), ',');
    auto timeout = config.get_duration("step_timeout");
    if (!timeout) return timeout.error();
    c.terraform.step_timeout = *timeout;
    if (c.work_dir.empty() || c.cache_dir.empty())
        return make_error("work_dir and cache_dir must be set");
    return std::unique_ptr<Service>(std::make_unique<ExecutorService>(std::move(c)));
}

}  // namespace strata::executor
