#include "ingest_service.hpp"

#include "strata/log.hpp"
#include "webhook.hpp"

namespace strata::ingest {
namespace {

struct IngestConfig {
    std::vector<std::string> secrets;
    std::string path;
    std::string redis_prefix;
    long long dedupe_ttl_seconds = 0;
};

class IngestService : public Service {
public:
    explicit IngestService(IngestConfig config) : config_(std::move(config)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        ctx.http.route("POST", config_.path, [this](const HttpRequest& req, HttpResponder respond) {
            handle(req, std::move(respond));
        });
        return {};
    }

    void drain(std::function<void()> done) override {
        draining_ = true;
        done_ = std::move(done);
        maybe_done();
    }

private:
    Counter& events(const std::string& event, const std::string& outcome) {
        return ctx_->metrics.counter("strata_ingest_webhooks_total",
                                     "webhook deliveries by event and outcome",
                                     {{"event", event}, {"outcome", outcome}});
    }

    void handle(const HttpRequest& req, HttpResponder respond) {
        const auto& event = req.header("x-github-event");
        const auto& delivery = req.header("x-github-delivery");
        auto answer = [this, respond, event](int status, const std::string& outcome,
                                             const std::string& text) {
            events(event.empty() ? "unknown" : event, outcome).inc();
            respond(HttpResponse::json(status, "{\"status\":\"" + text + "\"}"));
        };
        if (draining_) return answer(503, "draining", "shutting down");
        if (!signature_valid(req.body, req.header("x-hub-signature-256"), config_.secrets)) {
            log::warn("webhook signature invalid", {{"delivery", delivery}, {"event", event}});
            return answer(401, "bad_signature", "invalid signature");
        }
        if (event.empty() || delivery.empty())
            return answer(400, "bad_request", "missing X-GitHub-Event or X-GitHub-Delivery");
        auto outcome = normalize(event, delivery, req.body);
        if (!outcome) {
            log::warn("webhook rejected",
                      {{"delivery", delivery}, {"error", outcome.error().message}});
            return answer(400, "bad_request", outcome.error().message);
        }
        if (auto* ignored = std::get_if<Ignored>(&*outcome)) {
            log::debug("webhook ignored", {{"delivery", delivery}, {"reason", ignored->reason}});
            return answer(202, "ignored", "ignored");
        }
        publish_once(std::get<Normalized>(std::move(*outcome)), delivery, answer);
    }

    // Dedupe on the delivery id: "pending" while the publish is in flight, "done" once confirmed.
    // A concurrent duplicate of a pending delivery gets 409 so GitHub keeps it failed and
    // retryable; a failed publish removes the key so a redelivery is published.
    template <class Answer>
    void publish_once(Normalized message, const std::string& delivery, Answer answer) {
        std::string key = config_.redis_prefix + ":ingest:delivery:" + delivery;
        ++in_flight_;
        ctx_->redis->command(
            {"SET", key, "pending", "NX", "EX", "300"},
            [this, key, message = std::move(message), delivery,
             answer](Result<RedisReply> set) mutable {
                if (!set) {
                    log::warn("dedupe unavailable", {{"error", set.error().message}},
                              message.message_id);
                    finish(), answer(503, "redis_unavailable", "try again later");
                    return;
                }
                if (set->is_nil()) {
                    finish(), answer(202, "duplicate", "duplicate delivery");
                    return;
                }
                OutgoingMessage out{message.type,       std::move(message.body), message.message_id,
                                    message.message_id, "application/json",      {}};
                ctx_->amqp.publish(std::move(out), [this, key, id = message.message_id, delivery,
                                                    type = message.type,
                                                    answer](Result<void> sent) {
                    if (!sent) {
                        log::warn("publishing webhook event",
                                  {{"error", sent.error().message}, {"delivery", delivery}}, id);
                        ctx_->redis->command({"DEL", key}, [](Result<RedisReply>) {});
                        finish(), answer(503, "broker_unavailable", "try again later");
                        return;
                    }
                    ctx_->redis->command(
                        {"SET", key, "done", "EX", std::to_string(config_.dedupe_ttl_seconds)},
                        [](Result<RedisReply>) {});
                    log::info("webhook accepted", {{"type", type}, {"delivery", delivery}}, id);
                    finish(), answer(202, "accepted", "accepted");
                });
            });
    }

    void finish() {
        --in_flight_;
        maybe_done();
    }

    void maybe_done() {
        if (draining_ && in_flight_ == 0 && done_) std::exchange(done_, nullptr)();
    }

    IngestConfig config_;
    DaemonContext* ctx_ = nullptr;
    bool draining_ = false;
    int in_flight_ = 0;
    std::function<void()> done_;
};

}  // namespace

DaemonInfo daemon_info() {
    return {"ingest",
            "Takes GitHub webhooks on POST /events, verifies and normalises them, and publishes "
            "them to RabbitMQ; answers 202 only once the broker confirmed.",
            {
                {"webhook_secret", "", "GitHub webhook secret (HMAC-SHA256)", true, true},
                {"webhook_secret_previous", "", "the previous secret, accepted during a rotation",
                 true},
                {"webhook_path", "/events", "path of the webhook endpoint"},
                {"dedupe_ttl", "7d", "how long a delivery id is remembered"},
            }};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    IngestConfig c;
    c.secrets = {config.get("webhook_secret"), config.get("webhook_secret_previous")};
    c.path = config.get("webhook_path");
    c.redis_prefix = config.get("redis_prefix");
    auto ttl = config.get_duration("dedupe_ttl");
    if (!ttl) return ttl.error();
    c.dedupe_ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(*ttl).count();
    if (c.path.empty() || c.path[0] != '/') return make_error("webhook_path must start with '/'");
    return std::unique_ptr<Service>(std::make_unique<IngestService>(std::move(c)));
}

}  // namespace strata::ingest
