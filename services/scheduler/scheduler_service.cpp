#include "scheduler_service.hpp"

#include "deployment_store.hpp"
#include "strata/log.hpp"
#include "strata/publish_all.hpp"
#include "strata/topology.hpp"

namespace strata::scheduler {
namespace {

struct SchedulerConfig {
    std::string redis_prefix;
    std::string log_url_base;
};

class SchedulerService : public Service {
public:
    explicit SchedulerService(SchedulerConfig config) : config_(std::move(config)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        store_.emplace(*ctx.redis, config_.redis_prefix);
        ctx.amqp.declare(topology::scheduler(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_message(d, std::move(c));
                         });
        return {};
    }

    void drain(std::function<void()> done) override {
        done_ = std::move(done);
        if (in_flight_ == 0) std::exchange(done_, nullptr)();
    }

private:
    void on_message(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        ++in_flight_;
        if (delivery.routing_key == DeployRequested::kType)
            return on_deploy_requested(delivery, control);
        if (delivery.routing_key == JobState::kType) return on_job_state(delivery, control);
        reject(control, "unexpected routing key " + delivery.routing_key);
    }

    void reject(const std::shared_ptr<DeliveryControl>& control, const std::string& why) {
        log::error("dead-lettering message", {{"error", why}});
        control->dead_letter(why);
        done_one();
    }

    void on_deploy_requested(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        auto m = decode<DeployRequested>(delivery.body);
        if (!m) return reject(control, m.error().message);
        auto deployment_id = derived_uuid("deployment|" + m->envelope.id);
        auto origin = std::make_shared<Origin>(
            Origin{"scheduler", m->envelope.correlation_id, m->envelope.id});
        store_->enqueue(m->envelope.id, deployment_id, m->payload,
                        [this, control, origin](Result<Transition> t) {
                            after_transition(t, *origin, control);
                        });
    }

    void on_job_state(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        auto m = decode<JobState>(delivery.body);
        if (!m) return reject(control, m.error().message);
        auto origin = std::make_shared<Origin>(
            Origin{"scheduler", m->envelope.correlation_id, m->envelope.id});
        store_->record_job_state(m->envelope.id, m->payload,
                                 [this, control, origin](Result<Transition> t) {
                                     after_transition(t, *origin, control);
                                 });
    }

    void after_transition(Result<Transition>& t, const Origin& origin,
                          std::shared_ptr<DeliveryControl> control) {
        if (!t) {
            log::warn("scheduler transition", {{"error", t.error().message}},
                      origin.correlation_id);
            control->requeue();
            return done_one();
        }
        if (t->status == "stale" || t->status == "invalid") {
            log::warn("job state refused",
                      {{"status", t->status}, {"message_id", origin.causation_id}},
                      origin.correlation_id);
            control->ack();
            return done_one();
        }
        // Describe every deployment concerned, then publish what follows from their state.
        struct Batch {
            std::size_t remaining;
            std::vector<OutgoingMessage> out;
            bool failed = false;
        };
        std::vector<std::pair<std::string, bool>> wanted;  // id, dispatched
        for (const auto& id : t->touched) wanted.emplace_back(id, false);
        for (const auto& id : t->dispatched) wanted.emplace_back(id, true);
        if (wanted.empty()) {
            control->ack();
            return done_one();
        }
        auto batch = std::make_shared<Batch>(Batch{wanted.size(), {}, false});
        for (const auto& [id, dispatched] : wanted) {
            store_->describe(id, [this, batch, dispatched = dispatched, origin,
                                  control](Result<DeploymentRecord> d) {
                if (!d)
                    batch->failed = true;
                else
                    batch->out.push_back(dispatched ? job_message(*d, origin)
                                                    : state_message(*d, origin));
                if (--batch->remaining > 0) return;
                if (batch->failed) {
                    control->requeue();
                    return done_one();
                }
                publish_all(
                    ctx_->amqp, std::move(batch->out), [this, control, origin](Result<void> sent) {
                        if (sent)
                            control->ack();
                        else {
                            log::warn("publishing scheduler output",
                                      {{"error", sent.error().message}}, origin.correlation_id);
                            control->requeue();
                        }
                        done_one();
                    });
            });
        }
    }

    OutgoingMessage state_message(const DeploymentRecord& d, const Origin& origin) {
        DeploymentState s;
        s.deployment_id = d.id;
        s.seq = d.seq;
        s.repo = d.repo;
        s.root = d.root;
        s.revision = d.revision;
        s.kind = "deploy";
        s.trigger = d.trigger;
        s.user = d.user;
        s.state = d.state;
        s.reason = d.reason;
        s.plan = d.plan;
        s.queue_ahead = d.queue_ahead;
        s.log_url = config_.log_url_base.empty() ? "" : config_.log_url_base + d.id;
        s.updated_at = now_rfc3339();
        auto id = derived_uuid("deployment-state|" + d.id + "|" + std::to_string(d.seq));
        log::info("deployment state",
                  {{"deployment_id", d.id}, {"root", d.root.name}, {"state", d.state}},
                  origin.correlation_id);
        return {std::string(DeploymentState::kType),
                encode(make_message(std::move(s), origin, id)),
                id,
                origin.correlation_id,
                "application/json",
                {}};
    }

    OutgoingMessage job_message(const DeploymentRecord& d, const Origin& origin) {
        JobRun job{d.job_id,   d.id,    "deploy",         d.repo, d.root,
                   d.revision, d.fence, d.last_attempted, false};
        auto id = derived_uuid("job|" + d.job_id);
        log::info("dispatching job", {{"deployment_id", d.id}, {"job_id", d.job_id}},
                  origin.correlation_id);
        return {std::string(JobRun::kType),
                encode(make_message(std::move(job), origin, id)),
                id,
                origin.correlation_id,
                "application/json",
                {}};
    }

    void done_one() {
        if (--in_flight_ == 0 && done_) std::exchange(done_, nullptr)();
    }

    SchedulerConfig config_;
    DaemonContext* ctx_ = nullptr;
    std::optional<DeploymentStore> store_;
    int in_flight_ = 0;
    std::function<void()> done_;
};

}  // namespace

DaemonInfo daemon_info() {
    return {
        "scheduler",
        "Keeps a priority queue and a queue lock per Terraform root in Redis, dispatches one "
        "deployment per root at a time to the executors and reports every state change.",
        {
            {"log_url_base", "", "URL prefix of the live log page; the deployment id is appended"},
        }};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    return std::unique_ptr<Service>(std::make_unique<SchedulerService>(
        SchedulerConfig{config.get("redis_prefix"), config.get("log_url_base")}));
}

}  // namespace strata::scheduler
