#include "webhook_endpoint.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "strata/log.hpp"
#include "webhook.hpp"
#include "webhook_body.hpp"

namespace strata::ingest {
namespace {

// A metric label from the X-GitHub-Event header, which the signature does not cover: GitHub's
// event names as they are, anything else "other", and at most kMaxEventLabels distinct ones.
constexpr std::size_t kMaxEventLabels = 64;

constexpr std::size_t kInlineCheckBytes = 64 * 1024;

bool plain_name(const std::string& s) {
    return !s.empty() && s.size() <= 40 &&
           s.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
}

// The answer's body. Short and plain for the frequent ones (ids are UUIDs).
std::string answer_body(const std::string& status, const std::string& detail_key = "",
                        const std::string& detail = "") {
    if (detail_key == "message_id" || detail_key.empty())
        return "{\"status\":\"" + status + "\"" +
               (detail_key.empty() ? "" : ",\"message_id\":\"" + detail + "\"") + "}";
    nlohmann::json body = {{"status", status}};
    if (!detail_key.empty()) body[detail_key] = detail;
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A copy of a request's input, for a check on the thread pool.
struct OwnedInput {
    std::string event, delivery, signature, body;
    BodyEncoding encoding;
    explicit OwnedInput(const WebhookInput& in)
        : event(in.event),
          delivery(in.delivery),
          signature(in.signature),
          body(in.body),
          encoding(in.encoding) {}
    WebhookInput view() const { return {event, delivery, signature, encoding, body}; }
};

}  // namespace

// One request until it is answered. Callbacks hold it (shared) and the endpoint's State (weak).
struct Request {
    HttpResponder respond;
    std::string event_label;
    std::string delivery;
    std::unique_ptr<Timer> deadline;
    bool answered = false;
};

struct WebhookEndpoint::State : std::enable_shared_from_this<WebhookEndpoint::State> {
    DaemonContext& ctx;
    WebhookSettings settings;
    bool draining = false;
    int in_flight = 0;  // requests not yet answered
    std::function<void()> drained;
    std::set<std::string> event_labels;
    // strata_ingest_webhooks_total by (event label, outcome), looked up once each.
    std::map<std::pair<std::string, std::string>, Counter*> webhook_counters;

    State(DaemonContext& c, WebhookSettings s) : ctx(c), settings(std::move(s)) {}

    std::string event_label(const std::string& event) {
        if (!plain_name(event)) return event.empty() ? "none" : "other";
        if (event_labels.count(event)) return event;
        if (event_labels.size() >= kMaxEventLabels) return "other";
        event_labels.insert(event);
        return event;
    }

    void answer(Request& r, int status, const std::string& outcome, std::string body) {
        if (r.answered) return;
        r.answered = true;
        r.deadline.reset();
        auto& counter = webhook_counters[{r.event_label, outcome}];
        if (!counter)
            counter = &ctx.metrics.counter("strata_ingest_webhooks_total",
                                           "webhook deliveries by event and outcome",
                                           {{"event", r.event_label}, {"outcome", outcome}});
        counter->inc();
        r.respond(HttpResponse::json(status, std::move(body)));
        --in_flight;
        if (draining && in_flight == 0 && drained) std::exchange(drained, nullptr)();
    }

    void handle(const HttpRequest& req, HttpResponder respond);
    void take(std::shared_ptr<Request> r, CheckedWebhook checked);
    void dedupe_then_publish(std::shared_ptr<Request> r, Normalized message);
    void publish(std::shared_ptr<Request> r, Normalized message, std::string key);
};

void WebhookEndpoint::State::handle(const HttpRequest& req, HttpResponder respond) {
    auto r = std::make_shared<Request>();
    r->respond = std::move(respond);
    r->event_label = event_label(req.header("x-github-event"));
    r->delivery = req.header("x-github-delivery");
    ++in_flight;
    if (draining) return answer(*r, 503, "draining", answer_body("shutting down"));
    auto encoding = body_encoding(req.header("content-type"));
    if (encoding == BodyEncoding::Unsupported)
        return answer(*r, 415, "unsupported_media_type",
                      answer_body("unsupported media type", "expected",
                                  "application/json or application/x-www-form-urlencoded"));
    r->deadline = std::make_unique<Timer>(ctx.loop);
    r->deadline->start(settings.answer_deadline, [weak = weak_from_this(), r] {
        auto self = weak.lock();
        if (!self) return;
        log::warn("webhook not confirmed in time", {}, r->delivery);
        self->answer(*r, 503, "timeout", answer_body("try again later"));
    });
    WebhookInput input{req.header("x-github-event"), r->delivery, req.header("x-hub-signature-256"),
                       encoding, req.body};
    // Checking a typical payload (HMAC, parse) takes microseconds: on the loop, from the request
    // as it is. A large one would hold the loop for milliseconds: on the thread pool, from a copy
    // (the request is gone once this returns).
    if (req.body.size() <= kInlineCheckBytes)
        return take(std::move(r), check_webhook(input, settings.secrets));
    auto copy = std::make_shared<OwnedInput>(input);
    auto checked = std::make_shared<CheckedWebhook>();
    ctx.loop.queue_work(
        [copy, checked, secrets = settings.secrets] {
            *checked = check_webhook(copy->view(), secrets);
        },
        [weak = weak_from_this(), r, checked] {
            if (auto self = weak.lock()) self->take(std::move(r), std::move(*checked));
        });
}

void WebhookEndpoint::State::take(std::shared_ptr<Request> r, CheckedWebhook checked) {
    if (r->answered) return;  // the deadline passed meanwhile
    const auto& delivery = r->delivery;
    if (checked.status == 401) {
        log::warn("webhook signature invalid", {{"delivery", delivery.substr(0, 64)}});
        return answer(*r, 401, checked.metric, answer_body("invalid signature"));
    }
    if (checked.status != 0) {
        log::warn("webhook rejected", {{"event", r->event_label}, {"error", checked.error}},
                  delivery_id_valid(delivery) ? delivery : "");
        return answer(*r, checked.status, checked.metric,
                      answer_body("bad request", "error", checked.error));
    }
    auto& outcome = checked.outcome;
    const auto& repository = std::visit([](const auto& o) { return o.repository; }, *outcome);
    if (!repository.empty() && !settings.allowlist.allows(repository)) {
        log::warn("webhook for a repository outside the allowlist refused",
                  {{"repository", repository}, {"event", r->event_label}}, delivery);
        return answer(*r, 403, "forbidden",
                      answer_body("forbidden", "error", "repository is not in the allowlist"));
    }
    if (auto* ignored = std::get_if<Ignored>(&*outcome)) {
        ctx.metrics
            .counter("strata_ingest_ignored_total",
                     "webhook deliveries deliberately ignored, by event and reason",
                     {{"event", r->event_label}, {"reason", ignored->code}})
            .inc();
        log::debug("webhook ignored", {{"event", r->event_label}, {"reason", ignored->reason}},
                   delivery);
        return answer(*r, 202, "ignored", answer_body("ignored", "reason", ignored->reason));
    }
    dedupe_then_publish(std::move(r), std::get<Normalized>(std::move(*outcome)));
}

// SET NX GET answers in one round trip: nil = the record is ours; "done" = published before;
// "pending" = another copy is being published right now.
void WebhookEndpoint::State::dedupe_then_publish(std::shared_ptr<Request> r, Normalized message) {
    std::string key = settings.redis_prefix + ":ingest:delivery:" + r->delivery;
    ctx.redis->command(
        {"SET", key, "pending", "NX", "GET", "EX", std::to_string(settings.pending_ttl.count())},
        [weak = weak_from_this(), r, key,
         message = std::move(message)](Result<RedisReply> set) mutable {
            auto self = weak.lock();
            if (!self) return;
            if (!set) {
                log::warn("dedupe record unavailable", {{"error", set.error().message}},
                          r->delivery);
                return self->answer(*r, 503, "redis_unavailable", answer_body("try again later"));
            }
            if (set->is_nil()) return self->publish(std::move(r), std::move(message), key);
            if (set->str == "done")
                return self->answer(*r, 202, "duplicate",
                                    answer_body("duplicate", "message_id", message.message_id));
            self->answer(*r, 409, "in_progress",
                         answer_body("delivery is being processed; retry later"));
        });
}

void WebhookEndpoint::State::publish(std::shared_ptr<Request> r, Normalized message,
                                     std::string key) {
    OutgoingMessage out{message.type, std::move(message.body), message.message_id,
                        r->delivery,  "application/json",      {}};
    ctx.amqp.publish(std::move(out), [weak = weak_from_this(), r, key, id = message.message_id,
                                      type = message.type](Result<void> sent) {
        auto self = weak.lock();
        if (!self) return;
        auto& redis = *self->ctx.redis;
        if (!sent) {
            log::warn("publishing webhook event", {{"error", sent.error().message}}, r->delivery);
            // Answered once the record is gone, so that a redelivery right after is published.
            return redis.command({"DEL", key}, [weak, r](Result<RedisReply>) {
                if (auto self = weak.lock())
                    self->answer(*r, 503, "broker_unavailable", answer_body("try again later"));
            });
        }
        // Answered at once: should this write be lost, the record expires as "pending" and a
        // redelivery publishes the same message id again, which consumers drop.
        redis.command({"SET", key, "done", "EX", std::to_string(self->settings.dedupe_ttl.count())},
                      [](Result<RedisReply>) {});
        if (r->answered) {  // 503 at the deadline: a redelivery is answered "duplicate"
            log::warn("webhook confirmed after its answer deadline",
                      {{"type", type}, {"message_id", id}}, r->delivery);
            return;
        }
        log::info("webhook accepted", {{"type", type}, {"message_id", id}}, r->delivery);
        self->answer(*r, 202, "accepted", answer_body("accepted", "message_id", id));
    });
}

WebhookEndpoint::WebhookEndpoint(DaemonContext& ctx, WebhookSettings settings)
    : state_(std::make_shared<State>(ctx, std::move(settings))) {}

WebhookEndpoint::~WebhookEndpoint() = default;

void WebhookEndpoint::handle(const HttpRequest& request, HttpResponder respond) {
    state_->handle(request, std::move(respond));
}

void WebhookEndpoint::drain(std::function<void()> done) {
    state_->draining = true;
    if (state_->in_flight == 0) return done();
    state_->drained = std::move(done);
}

}  // namespace strata::ingest
