#include "ingest_service.hpp"

#include <optional>

#include "job_log_page.hpp"
#include "webhook_endpoint.hpp"

namespace strata::ingest {
namespace {

struct IngestConfig {
    WebhookSettings webhook;
    std::string path;
};

class IngestService : public Service {
public:
    explicit IngestService(IngestConfig config) : config_(std::move(config)) {}

    Result<void> setup(DaemonContext& ctx) override {
        webhook_.emplace(ctx, config_.webhook);
        ctx.http.route("POST", config_.path, [this](const HttpRequest& req, HttpResponder respond) {
            webhook_->handle(req, std::move(respond));
        });
        // Further pages of the HTTP edge register their routes here.
        register_job_log_page(ctx);  // GET /jobs/<deployment id>
        return {};
    }

    void drain(std::function<void()> done) override { webhook_->drain(std::move(done)); }

private:
    IngestConfig config_;
    std::optional<WebhookEndpoint> webhook_;
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
                {"repo_allowlist", "*/*",
                 "comma-separated globs of the repositories (owner/name) events are taken for; "
                 "others are refused with 403"},
                {"dedupe_ttl", "7d",
                 "how long a delivery id is remembered (longer than GitHub's 3-day redelivery "
                 "window)"},
                {"answer_deadline", "8s",
                 "a delivery not confirmed by then is answered 503 (GitHub waits 10 s)"},
                {"job_log_dir", "/var/lib/strata/job-logs",
                 "the executors' job log store, shown by GET /jobs/<deployment id>"},
            }};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    IngestConfig c;
    c.webhook.secrets = {config.get("webhook_secret"), config.get("webhook_secret_previous")};
    c.webhook.redis_prefix = config.get("redis_prefix");
    c.path = config.get("webhook_path");
    if (c.path.empty() || c.path[0] != '/') return make_error("webhook_path must start with '/'");
    auto allowlist = RepoAllowlist::parse(config.get("repo_allowlist"));
    if (!allowlist) return allowlist.error();
    if (allowlist->patterns().empty())
        return make_error("repo_allowlist is empty: no repository's events would be taken");
    c.webhook.allowlist = std::move(*allowlist);
    auto ttl = config.get_duration("dedupe_ttl");
    if (!ttl) return ttl.error();
    c.webhook.dedupe_ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
    if (c.webhook.dedupe_ttl < std::chrono::hours(72))
        return make_error("dedupe_ttl must be at least 3d, GitHub's redelivery window");
    auto deadline = config.get_duration("answer_deadline");
    if (!deadline) return deadline.error();
    if (deadline->count() <= 0 || *deadline > std::chrono::seconds(10))
        return make_error("answer_deadline must be between 1ms and 10s");
    c.webhook.answer_deadline = *deadline;
    return std::unique_ptr<Service>(std::make_unique<IngestService>(std::move(c)));
}

}  // namespace strata::ingest
