#include "planner_service.hpp"

#include <map>
#include <mutex>

#include "affected_roots.hpp"
#include "strata/log.hpp"
#include "strata/publish_all.hpp"
#include "strata/topology.hpp"

namespace strata::planner {
namespace {

struct PlanOutcome {
    Result<AffectedRoots> roots = make_error("not run");
    bool permanent = false;  // the revision cannot be found even after a fetch
};

class PlannerService : public Service {
public:
    PlannerService(std::string cache_dir, std::string github_token)
        : mirrors_(std::move(cache_dir)), token_(std::move(github_token)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        ctx.amqp.declare(topology::planner(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_push(d, std::move(c));
                         });
        return {};
    }

    void drain(std::function<void()> done) override {
        done_ = std::move(done);
        if (in_flight_ == 0) std::exchange(done_, nullptr)();
    }

private:
    void on_push(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        auto message = decode<PushEvent>(delivery.body);
        if (!message) {
            log::error("dead-lettering event", {{"error", message.error().message}});
            return control->dead_letter(message.error().message);
        }
        const auto& push = message->payload;
        const auto& cid = message->envelope.correlation_id;
        if (push.ref != "refs/heads/" + push.repo.default_branch || is_zero_sha(push.after)) {
            log::debug("push is not to the default branch; nothing to deploy", {{"ref", push.ref}},
                       cid);
            return control->ack();
        }
        ++in_flight_;
        auto outcome = std::make_shared<PlanOutcome>();
        // Copied before `message` is moved into the completion (argument order is unspecified).
        auto work = [this, outcome, push = PushEvent(push)] { *outcome = plan_push(push); };
        ctx_->loop.queue_work(std::move(work),
                              [this, outcome, message = std::move(*message), control]() mutable {
                                  finish_push(std::move(message), *outcome, std::move(control));
                              });
    }

    // Thread pool.
    PlanOutcome plan_push(const PushEvent& push) {
        PlanOutcome outcome;
        auto used = mirrors_.use(
            push.repo.full_name, push.repo.clone_url, push.after, token_, [&](GitMirror& mirror) {
                std::string before = push.before;
                if (!is_zero_sha(before) && !mirror.has_commit(before)) before.clear();
                outcome.roots = find_affected_roots(mirror, before, push.after);
            });
        if (!used)
            outcome.roots = used.error();
        else if (!*used) {
            outcome.roots =
                make_error("commit " + push.after + " not found in " + push.repo.full_name);
            outcome.permanent = true;
        }
        return outcome;
    }

    void finish_push(Message<PushEvent> message, PlanOutcome& outcome,
                     std::shared_ptr<DeliveryControl> control) {
        const auto& cid = message.envelope.correlation_id;
        if (!outcome.roots) {
            log::error("planning push", {{"error", outcome.roots.error().message}}, cid);
            outcome.permanent ? control->dead_letter(outcome.roots.error().message)
                              : control->requeue();
            return done_one();
        }
        for (const auto& dir : outcome.roots->deleted)
            log::info("root deleted by this commit; not deployed", {{"root", dir}}, cid);
        std::vector<OutgoingMessage> out;
        const auto& push = message.payload;
        for (const auto& root : outcome.roots->roots) {
            DeployRequested req{push.repo, root, push.after, push.ref, "merge", push.pusher, {}};
            auto id = derived_uuid(message.envelope.id + "|" + root.name + "|" + push.after);
            auto m = make_message(std::move(req), Origin{"planner", cid, message.envelope.id}, id);
            out.push_back(
                {std::string(DeployRequested::kType), encode(m), id, cid, "application/json", {}});
        }
        log::info("push planned",
                  {{"roots", static_cast<long long>(out.size())}, {"revision", push.after}}, cid);
        publish_all(ctx_->amqp, std::move(out), [this, control, cid](Result<void> sent) {
            if (sent)
                control->ack();
            else {
                log::warn("publishing deploy requests", {{"error", sent.error().message}}, cid);
                control->requeue();
            }
            done_one();
        });
    }

    void done_one() {
        if (--in_flight_ == 0 && done_) std::exchange(done_, nullptr)();
    }

    MirrorCache mirrors_;
    std::string token_;
    DaemonContext* ctx_ = nullptr;
    int in_flight_ = 0;
    std::function<void()> done_;
};

}  // namespace

DaemonInfo daemon_info() {
    return {"planner",
            "Turns repository events into work per Terraform root: keeps a bare mirror per "
            "repository, diffs each commit and publishes deploy and plan requests.",
            {
                {"cache_dir", "/var/lib/strata/mirrors", "where the repository mirrors live"},
                {"github_token", "", "token used to fetch over HTTPS", true},
            },
            false};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    if (config.get("cache_dir").empty()) return make_error("cache_dir must be set");
    return std::unique_ptr<Service>(
        std::make_unique<PlannerService>(config.get("cache_dir"), config.get("github_token")));
}

}  // namespace strata::planner
