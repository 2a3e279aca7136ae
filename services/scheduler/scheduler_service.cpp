#include "scheduler_service.hpp"

#include "deployment_store.hpp"
#include "outbox.hpp"
#include "request_router.hpp"
#include "strata/log.hpp"
#include "strata/publish_all.hpp"
#include "strata/topology.hpp"

namespace strata::scheduler {
namespace {

class SchedulerService : public Service {
public:
    explicit SchedulerService(SchedulerSettings settings) : settings_(std::move(settings)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        store_.emplace(*ctx.redis, settings_.redis_prefix);
        if (settings_.github.enabled()) {
            auth_ = std::make_unique<github::GitHubAuth>(ctx.loop, settings_.github);
            teams_ =
                std::make_unique<TeamMembership>(ctx.loop, *auth_, settings_.team_membership_cache);
        }
        router_.emplace(*store_, settings_, teams_.get());
        sweep_timer_ = std::make_unique<Timer>(ctx.loop);
        ctx.amqp.declare(topology::scheduler(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_message(d, std::move(c));
                         });
        return {};
    }

    // The outbox may hold messages a previous life did not publish: publish them now, then on
    // every sweep.
    void started() override {
        pump_outbox(std::chrono::milliseconds(0));
        sweep_timer_->start_repeating(settings_.sweep_interval, [this] { sweep(); });
    }

    void drain(std::function<void()> done) override {
        sweep_timer_->stop();
        done_ = std::move(done);
        if (in_flight_ == 0) std::exchange(done_, nullptr)();
    }

private:
    Counter& counter(const std::string& name, const std::string& help, const Labels& labels) {
        return ctx_->metrics.counter(name, help, labels);
    }

    void on_message(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        ++in_flight_;
        router_->handle(delivery.routing_key, delivery.body,
                        [this, control, key = delivery.routing_key](Handled h) {
                            settle(key, std::move(h), control);
                        });
    }

    void settle(const std::string& key, Handled h, std::shared_ptr<DeliveryControl> control) {
        if (h.outcome == Handled::Outcome::DeadLetter) {
            log::error("dead-lettering message", {{"type", key}, {"error", h.error}},
                       h.correlation_id);
            counter("strata_scheduler_messages_total", "messages handled, by type and outcome",
                    {{"type", key}, {"status", "dead_lettered"}})
                .inc();
            control->dead_letter(h.error);
            return done_one();
        }
        if (h.outcome == Handled::Outcome::Retry) {
            log::warn("scheduler transition", {{"type", key}, {"error", h.error}},
                      h.correlation_id);
            control->requeue();
            return done_one();
        }
        const auto& status = h.transition.status;
        counter("strata_scheduler_messages_total", "messages handled, by type and outcome",
                {{"type", key}, {"status", status}})
            .inc();
        if (status == "stale" || status == "invalid")
            log::warn("job state refused", {{"status", status}}, h.correlation_id);
        publish(std::move(h.transition.entries), h.correlation_id,
                [this, control](Result<void> sent) {
                    if (sent)
                        control->ack();
                    else
                        control->requeue();
                    done_one();
                });
    }

    // Publishes outbox entries (in order), then removes them from the outbox. A removal that
    // fails leaves them to the pump: publishing them again is harmless.
    void publish(std::vector<OutboxEntry> entries, const std::string& cid,
                 std::function<void(Result<void>)> done) {
        std::vector<OutgoingMessage> messages;
        std::vector<std::string> ids;
        for (const auto& entry : entries) {
            ids.push_back(entry.id);
            auto r = render_entry(entry, settings_.log_url_base);
            if (!r) {
                // Written by our own scripts: a bad one is a bug; drop it rather than loop.
                log::error("dropping outbox entry", {{"error", r.error().message}}, cid);
                continue;
            }
            log::info(r->kind == "state" ? "deployment state"
                      : r->kind == "job" ? "dispatching job"
                                         : "request refused",
                      {{"deployment_id", r->deployment_id}, {"what", r->summary}},
                      r->message.correlation_id);
            messages.push_back(std::move(r->message));
        }
        if (ids.empty()) return done({});
        auto count = static_cast<long long>(messages.size());
        publish_all(
            ctx_->amqp, std::move(messages),
            [this, ids = std::move(ids), count, cid,
             done = std::move(done)](Result<void> sent) mutable {
                if (!sent) {
                    log::warn("publishing scheduler output", {{"error", sent.error().message}},
                              cid);
                    return done(sent);
                }
                counter("strata_scheduler_published_total", "messages published", {}).inc(count);
                store_->outbox_done(ids, [done = std::move(done)](Result<void> removed) {
                    if (!removed) log::warn("outbox", {{"error", removed.error().message}});
                    done({});
                });
            });
    }

    // Timers, then entries a crashed publisher left in the outbox. One sweep at a time.
    void sweep() {
        if (sweeping_) return;
        sweeping_ = true;
        ++in_flight_;
        TickSettings tick{settings_.lease_timeout, settings_.max_plan_attempts, 200};
        store_->tick(tick, [this](Result<Transition> t) {
            if (!t) {
                log::warn("scheduler timers", {{"error", t.error().message}});
                sweeping_ = false;
                return done_one();
            }
            publish(std::move(t->entries), "", [this](Result<void>) {
                sweeping_ = false;
                if (!done_) pump_outbox(settings_.outbox_grace);
                done_one();
            });
        });
    }

    void pump_outbox(std::chrono::milliseconds grace) {
        ++in_flight_;
        store_->outbox_due(grace, 200, [this](Result<Transition> t) {
            if (!t || t->entries.empty()) return done_one();
            log::info("publishing outbox entries left behind", {{"count", t->entries.size()}});
            publish(std::move(t->entries), "", [this](Result<void>) { done_one(); });
        });
    }

    void done_one() {
        if (--in_flight_ == 0 && done_) std::exchange(done_, nullptr)();
    }

    SchedulerSettings settings_;
    DaemonContext* ctx_ = nullptr;
    std::optional<DeploymentStore> store_;
    std::unique_ptr<github::GitHubAuth> auth_;  // when GitHub is configured (team reviewers)
    std::unique_ptr<TeamMembership> teams_;
    std::optional<RequestRouter> router_;
    std::unique_ptr<Timer> sweep_timer_;
    bool sweeping_ = false;
    int in_flight_ = 0;
    std::function<void()> done_;
};

}  // namespace

DaemonInfo daemon_info() {
    return {"scheduler",
            "Keeps a priority queue and a queue lock per Terraform root in Redis, dispatches one "
            "deployment per root at a time to the executors, runs plan reviews and leases, and "
            "reports every state change.",
            scheduler_option_specs()};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    auto settings = settings_from(config);
    if (!settings) return settings.error().context("scheduler configuration");
    return std::unique_ptr<Service>(std::make_unique<SchedulerService>(std::move(*settings)));
}

}  // namespace strata::scheduler
