#include "executor_service.hpp"

#include <filesystem>
#include <map>

#include "executor_config.hpp"
#include "in_hand.hpp"
#include "job_runner.hpp"
#include "lease_keeper.hpp"
#include "live_log.hpp"
#include "state_outbox.hpp"
#include "strata/log.hpp"
#include "strata/topology.hpp"

namespace strata::executor {
namespace {

class ExecutorService : public Service {
public:
    explicit ExecutorService(ExecutorConfig config)
        : config_(std::move(config)),
          mirrors_(config_.cache_dir),
          store_(make_directory_log_store(config_.job_log_dir)) {
        auto settings = std::make_shared<RunnerSettings>();
        settings->terraform = config_.terraform;
        settings->work_root = config_.work_dir;
        settings->executor_id = config_.id;
        settings->root_variables = config_.root_variables;
        settings->git_token = config_.git_token;
        auto patterns = compile_secret_patterns(config_.secret_patterns);
        settings->secret_patterns = std::make_shared<std::vector<std::regex>>(std::move(*patterns));
        runner_settings_ = std::move(settings);
    }
    ~ExecutorService() override { *alive_ = false; }

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        std::error_code ec;
        // Work dirs of a previous life of this executor: their plans are gone with it.
        std::filesystem::remove_all(config_.work_dir, ec);
        std::filesystem::create_directories(config_.work_dir, ec);
        if (ec) return make_error("creating work dir " + config_.work_dir + ": " + ec.message());
        leases_ =
            std::make_unique<LeaseKeeper>(ctx.loop, *ctx.redis, config_.redis_prefix, config_.id,
                                          config_.heartbeat_interval, config_.lease_timeout);
        outbox_ = std::make_unique<StateOutbox>(ctx.loop, ctx.amqp);
        ctx.amqp.declare(topology::executor_work(),
                         guarded(alive_, [this](const Delivery& d, auto c) {
                             on_delivery(d, std::move(c), true);
                         }));
        auto own = topology::executor_own(config_.id);
        own.prefetch = 4;
        ctx.amqp.declare(own, guarded(alive_, [this](const Delivery& d, auto c) {
                             on_delivery(d, std::move(c), false);
                         }));
        log::info("executor ready",
                  {{"executor_id", config_.id}, {"job_slots", config_.job_slots}});
        return {};
    }

    void drain(std::function<void()> done) override {
        draining_ = true;
        drained_ = std::move(done);
        update_consuming();
        std::vector<std::string> keys;
        for (const auto& [key, h] : in_hand_) keys.push_back(key);
        for (const auto& key : keys) {
            auto& h = in_hand_.at(key);
            if (h.phase == InHand::Phase::Held) {
                hand_back(key);
            } else if (h.phase == InHand::Phase::Planning) {
                h.log->line("[strata] executor " + config_.id +
                            " is shutting down: job handed back");
                h.runner->stop();  // after_plan sees Stopped and hands it back
            }                      // an apply runs to its end
        }
        maybe_drained();
    }

private:
    template <class F>
    auto guard(F f) {
        return guarded(alive_, std::move(f));
    }

    static std::string key_of(const JobRun& job) {
        return job.deployment_id + ":" + std::to_string(job.fencing_token);
    }

    void on_delivery(const Delivery& delivery, std::shared_ptr<DeliveryControl> control,
                     bool from_work_queue) {
        auto m = decode<JobRun>(delivery.body);
        if (!m) {
            log::error("dead-lettering job", {{"error", m.error().message}});
            return control->dead_letter(m.error().message);
        }
        Origin origin{"executor", m->envelope.correlation_id, m->envelope.id};
        auto& job = m->payload;
        if (job.kind == "deploy" || job.kind == "plan") {
            if (draining_) return control->requeue();  // handed back unstarted
            return take_plan_job(std::move(job), origin, std::move(control), from_work_queue);
        }
        // Applies and discards name the executor holding the plan: they come by its own queue
        // only. One on the shared queue would reach an executor that does not hold the plan.
        if (from_work_queue && (job.kind == "apply" || job.kind == "discard")) {
            std::string reason = job.kind == "apply" ? "an apply" : "a discard";
            reason +=
                " job came by the shared work queue; it is taken only from the queue of the "
                "executor holding the plan";
            log::error("dead-lettering job",
                       {{"job_id", job.job_id}, {"kind", job.kind}, {"reason", reason}});
            return control->dead_letter(reason);
        }
        if (draining_) return control->ack();  // held plans were handed back already
        if (job.kind == "apply") return take_apply_job(std::move(job), origin, std::move(control));
        if (job.kind == "discard") return discard(job, std::move(control));
        control->dead_letter("unknown job kind '" + job.kind + "'");
    }

    void take_plan_job(JobRun job, Origin origin, std::shared_ptr<DeliveryControl> control,
                       bool from_work_queue) {
        auto key = key_of(job);
        if (in_hand_.count(key)) return control->ack();  // a redelivery of a job in hand
        if (from_work_queue && busy_slots_ >= config_.job_slots) return control->requeue();
        if (from_work_queue) reserve_slot();  // pauses the queue before the ack below
        ++taking_;
        Lease lease{job.job_id, job.deployment_id, job.kind, job.fencing_token};
        leases_->take(lease, "",
                      guard([this, lease, key, job = std::move(job), origin, control,
                             from_work_queue](Result<TakeOutcome> taken) mutable {
                          --taking_;
                          bool start = taken && *taken == TakeOutcome::Taken && !draining_;
                          if (!start) {
                              if (from_work_queue) free_slot();
                              settle_untaken(taken, lease, job, *control);
                              return maybe_drained();
                          }
                          control->ack();
                          start_plan(key, std::move(job), origin, lease, from_work_queue);
                      }));
    }

    void settle_untaken(const Result<TakeOutcome>& taken, const Lease& lease, const JobRun& job,
                        DeliveryControl& control) {
        if (!taken) {
            log::warn("taking a job; requeued",
                      {{"job_id", job.job_id}, {"error", taken.error().message}});
            return control.requeue();
        }
        if (*taken == TakeOutcome::Taken) {  // taken while draining: handed back unstarted
            leases_->release(lease.job_id);
            return control.requeue();
        }
        log::info(
            *taken == TakeOutcome::Stale ? "stale job dropped" : "job held by another executor",
            {{"job_id", job.job_id}, {"fence", job.fencing_token}});
        control.ack();
    }

    void start_plan(const std::string& key, JobRun job, const Origin& origin, const Lease& lease,
                    bool holds_slot) {
        auto& h = in_hand_[key];
        h.job = job;
        h.lease_job_id = job.job_id;
        h.origin = origin;
        h.holds_slot = holds_slot;
        leases_->keep(lease, guard([this, key] { on_lease_lost(key); }));
        LiveLogSettings log_settings{config_.redis_prefix, config_.live_log_max_lines,
                                     config_.live_log_ttl};
        h.log = std::make_shared<LiveLog>(ctx_->loop, *ctx_->redis, store_, log_settings,
                                          job.deployment_id);
        h.log->begin_job(job.job_id);
        publish(key, job, "started");
        in_hand_gauge().set(static_cast<long long>(in_hand_.size()));
        h.runner = std::make_shared<JobRunner>(
            ctx_->loop, mirrors_, runner_settings_, job, guard([this, key](JobState s) {
                if (auto it = in_hand_.find(key); it != in_hand_.end())
                    outbox_->publish(key, it->second.origin, std::move(s));
            }),
            guard([this, key](const std::string& line) {
                if (auto it = in_hand_.find(key); it != in_hand_.end()) it->second.log->line(line);
            }));
        h.runner->plan(guard([this, key](RunOutcome outcome) { after_plan(key, outcome); }));
    }

    void after_plan(const std::string& key, RunOutcome outcome) {
        auto it = in_hand_.find(key);
        if (it == in_hand_.end()) return;
        auto& h = it->second;
        if (std::exchange(h.holds_slot, false)) free_slot();
        count(h.job.kind, outcome);
        if (h.lost) return drop_lost(key);
        if (outcome == RunOutcome::Stopped) return hand_back(key);  // only shutdown stops a plan
        if (outcome == RunOutcome::Done && h.job.kind == "deploy") {
            if (draining_) return hand_back(key);
            h.phase = InHand::Phase::Held;
            h.log->line("[strata] plan held by executor " + config_.id +
                        "; waiting for its apply or discard");
            h.log->store_job();
            return;
        }
        finish_deployment(key);
    }

    void take_apply_job(JobRun job, const Origin& origin,
                        std::shared_ptr<DeliveryControl> control) {
        auto key = key_of(job);
        auto it = in_hand_.find(key);
        if (it != in_hand_.end() && it->second.phase == InHand::Phase::Applying)
            return control->ack();  // a redelivery of the apply in hand
        Lease lease{job.job_id, job.deployment_id, "apply", job.fencing_token};
        ++taking_;
        // The held plan's lease (job id <deployment>:<fence>) goes with the take.
        leases_->take(lease, key,
                      guard([this, key, lease, job, origin, control](Result<TakeOutcome> taken) {
                          --taking_;
                          if (!taken || *taken != TakeOutcome::Taken) {
                              settle_untaken(taken, lease, job, *control);
                              return maybe_drained();
                          }
                          control->ack();
                          start_apply(key, job, origin, lease);
                      }));
    }

    void start_apply(const std::string& key, const JobRun& job, const Origin& origin,
                     const Lease& lease) {
        auto it = in_hand_.find(key);
        if (draining_) {  // the held plan was handed back (released) when the drain began
            leases_->release(job.job_id);
            return maybe_drained();
        }
        if (it == in_hand_.end() || it->second.phase != InHand::Phase::Held) {
            // This executor restarted since it planned: nothing to apply, the apply not started.
            leases_->release(job.job_id);
            outbox_->publish(key, origin,
                             state_of(job, "released",
                                      "the plan is no longer held by executor " + config_.id +
                                          " (it restarted since it planned)"));
            return maybe_drained();
        }
        auto& h = it->second;
        h.phase = InHand::Phase::Applying;
        leases_->forget(h.lease_job_id);  // dropped in Redis by the take
        h.lease_job_id = job.job_id;
        h.origin = origin;
        leases_->keep(lease, guard([this, key] { on_lease_lost(key); }));
        h.log->begin_job(job.job_id);
        publish(key, job, "started");
        h.runner->apply(job, guard([this, key](RunOutcome outcome) {
                            auto it = in_hand_.find(key);
                            if (it == in_hand_.end()) return;
                            count("apply", outcome);
                            if (it->second.lost) return drop_lost(key);
                            finish_deployment(key);
                        }));
    }

    // A discard is honoured whatever the deployment's fence: the scheduler may have finished the
    // deployment (fence 0) before sending it, and dropping a plan is always safe.
    void discard(const JobRun& job, std::shared_ptr<DeliveryControl> control) {
        control->ack();
        auto it = in_hand_.find(key_of(job));
        if (it == in_hand_.end() || it->second.phase != InHand::Phase::Held) return;
        it->second.log->line("[strata] plan discarded");
        finish_deployment(it->first);
    }

    void on_lease_lost(const std::string& key) {
        auto it = in_hand_.find(key);
        if (it == in_hand_.end()) return;
        auto& h = it->second;
        h.lost = true;
        h.log->line("[strata] executor " + config_.id +
                    " lost this job's lease (its fence moved on, or the scheduler counted it "
                    "lost): stopped at once");
        if (h.runner->busy()) return h.runner->kill();  // its completion drops it
        drop_lost(key);
    }

    // The job is not ours any more: no reports, no lease to drop; the work dir goes.
    void drop_lost(const std::string& key) {
        auto& h = in_hand_.at(key);
        h.log->store_job();
        h.runner->remove_work_dir(nullptr);
        erase(key);
    }

    void hand_back(const std::string& key) {
        auto& h = in_hand_.at(key);
        publish(key, h.job, "released");
        h.log->store_job();
        leases_->release(h.lease_job_id);
        h.runner->remove_work_dir(nullptr);
        erase(key);
    }

    void finish_deployment(const std::string& key) {
        auto& h = in_hand_.at(key);
        h.log->store_job();
        h.log->end();
        leases_->release(h.lease_job_id);
        h.runner->remove_work_dir(nullptr);
        erase(key);
    }

    void erase(const std::string& key) {
        in_hand_.erase(key);
        in_hand_gauge().set(static_cast<long long>(in_hand_.size()));
        maybe_drained();
    }

    JobState state_of(const JobRun& job, const std::string& state, std::string detail = "") {
        JobState s;
        s.job_id = job.job_id;
        s.deployment_id = job.deployment_id;
        s.fencing_token = job.fencing_token;
        s.executor_id = config_.id;
        s.state = state;
        s.detail = std::move(detail);
        return s;
    }

    void publish(const std::string& key, const JobRun& job, const std::string& state) {
        outbox_->publish(key, in_hand_.at(key).origin, state_of(job, state));
    }

    void reserve_slot() {
        ++busy_slots_;
        update_consuming();
    }
    void free_slot() {
        --busy_slots_;
        update_consuming();
    }
    void update_consuming() {
        bool want = !draining_ && busy_slots_ < config_.job_slots;
        if (want == !work_paused_) return;
        work_paused_ = !want;
        if (!draining_) ctx_->amqp.set_consuming(topology::executor_work().name, want);
        ctx_->metrics.gauge("strata_executor_slots_busy", "job slots running a job")
            .set(busy_slots_);
    }

    void maybe_drained() {
        if (!draining_ || !drained_ || !in_hand_.empty() || taking_ > 0) return;
        outbox_->when_idle(std::exchange(drained_, nullptr));
    }

    void count(const std::string& kind, RunOutcome outcome) {
        const char* name = outcome == RunOutcome::Done     ? "done"
                           : outcome == RunOutcome::Failed ? "failed"
                                                           : "stopped";
        ctx_->metrics
            .counter("strata_executor_jobs_total", "jobs run, by kind and outcome",
                     {{"kind", kind}, {"outcome", name}})
            .inc();
    }
    Gauge& in_hand_gauge() {
        return ctx_->metrics.gauge("strata_executor_deployments_in_hand",
                                   "deployments this executor is planning, holding or applying");
    }

    ExecutorConfig config_;
    MirrorCache mirrors_;
    std::shared_ptr<JobLogStore> store_;
    std::shared_ptr<const RunnerSettings> runner_settings_;
    DaemonContext* ctx_ = nullptr;
    std::unique_ptr<LeaseKeeper> leases_;
    std::unique_ptr<StateOutbox> outbox_;
    std::map<std::string, InHand> in_hand_;
    int busy_slots_ = 0;
    int taking_ = 0;  // lease takes awaiting Redis
    bool work_paused_ = false;
    bool draining_ = false;
    std::function<void()> drained_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

DaemonInfo daemon_info() {
    return {"executor",
            "Runs terraform init, plan and apply for the jobs the scheduler dispatches. Start as "
            "many as you like; they share one work queue.",
            executor_option_specs()};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    auto c = load_executor_config(config);
    if (!c) return c.error();
    return std::unique_ptr<Service>(std::make_unique<ExecutorService>(std::move(*c)));
}

}  // namespace strata::executor
