#include "notifier_service.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>

#include "check_run.hpp"
#include "strata/http_client.hpp"
#include "strata/log.hpp"
#include "strata/topology.hpp"

namespace strata::notifier {
namespace {

struct NotifierConfig {
    std::string github_api_url;
    std::string github_token;
    std::string redis_prefix;
};

struct Work {
    Message<DeploymentState> message;
    std::shared_ptr<DeliveryControl> control;
};

class NotifierService : public Service {
public:
    explicit NotifierService(NotifierConfig config) : config_(std::move(config)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        http_ = std::make_unique<HttpClient>(ctx.loop);
        ctx.amqp.declare(topology::notifier(),
                         [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             on_state(d, std::move(c));
                         });
        return {};
    }

    void drain(std::function<void()> done) override {
        done_ = std::move(done);
        if (queues_.empty()) std::exchange(done_, nullptr)();
    }

private:
    std::string key(const std::string& what, const std::string& deployment) const {
        return config_.redis_prefix + ":notifier:" + what + ":" + deployment;
    }

    void on_state(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
        auto m = decode<DeploymentState>(delivery.body);
        if (!m) {
            log::error("dead-lettering deployment state", {{"error", m.error().message}});
            return control->dead_letter(m.error().message);
        }
        auto id = m->payload.deployment_id;
        auto& queue = queues_[id];
        queue.push_back(Work{std::move(*m), std::move(control)});
        if (queue.size() == 1) process(id);
    }

    // Handles the head of a deployment's queue, then the next.
    void process(const std::string& id) {
        auto& work = queues_[id].front();
        ctx_->redis->command(
            {"MGET", key("seq", id), key("check", id)}, [this, id](Result<RedisReply> r) {
                auto& work = queues_[id].front();
                if (!r || r->elements.size() != 2)
                    return settle(id, false, "reading notifier state");
                long long last_seq = r->elements[0].is_nil() ? 0 : std::stoll(r->elements[0].str);
                std::string check_id = r->elements[1].is_nil() ? "" : r->elements[1].str;
                if (work.message.payload.seq <= last_seq) return settle(id, true, "");
                send(id, check_id);
            });
        (void)work;
    }

    void send(const std::string& id, const std::string& check_id) {
        const auto& state = queues_[id].front().message.payload;
        HttpClientRequest req;
        bool create = check_id.empty();
        req.method = create ? "POST" : "PATCH";
        req.url = config_.github_api_url + "/repos/" + state.repo.full_name + "/check-runs" +
                  (create ? "" : "/" + check_id);
        req.headers = {{"Accept", "application/vnd.github+json"},
                       {"Authorization", "Bearer " + config_.github_token},
                       {"X-GitHub-Api-Version", "2022-11-28"},
                       {"Content-Type", "application/json"},
                       {"User-Agent", "strata-notifier"}};
        req.body = check_run_body(state, create);
        auto seq = state.seq;
        http_->send(std::move(req), [this, id, create, seq](Result<HttpClientResponse> resp) {
            if (!resp) return settle(id, false, resp.error().message);
            if (resp->status < 200 || resp->status >= 300)
                return settle(id, false, "GitHub answered " + std::to_string(resp->status));
            std::vector<std::string> cmd = {"MSET", key("seq", id), std::to_string(seq)};
            if (create) {
                auto body = nlohmann::json::parse(resp->body, nullptr, false);
                if (!body.is_object() || !body.contains("id"))
                    return settle(id, false, "GitHub's answer has no check run id");
                cmd.push_back(key("check", id));
                cmd.push_back(body["id"].dump());
            }
            ctx_->redis->command(std::move(cmd), [this, id](Result<RedisReply> saved) {
                settle(id, saved.ok(), saved ? "" : saved.error().message);
            });
        });
    }

    void settle(const std::string& id, bool ok, const std::string& error) {
        auto& queue = queues_[id];
        auto work = std::move(queue.front());
        queue.pop_front();
        const auto& cid = work.message.envelope.correlation_id;
        if (ok) {
            log::info("check run updated",
                      {{"deployment_id", id}, {"state", work.message.payload.state}}, cid);
            work.control->ack();
        } else {
            log::warn("updating check run", {{"deployment_id", id}, {"error", error}}, cid);
            work.control->requeue();
        }
        if (!queue.empty()) return process(id);
        queues_.erase(id);
        if (queues_.empty() && done_) std::exchange(done_, nullptr)();
    }

    NotifierConfig config_;
    DaemonContext* ctx_ = nullptr;
    std::unique_ptr<HttpClient> http_;
    std::map<std::string, std::deque<Work>> queues_;
    std::function<void()> done_;
};

}  // namespace

DaemonInfo daemon_info() {
    return {"notifier",
            "Posts a GitHub check run per deployment and keeps it in step with every state change.",
            {
                {"github_api_url", "https://api.github.com", "GitHub REST API base URL"},
                {"github_token", "", "token for the GitHub API", true},
            }};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    NotifierConfig c{config.get("github_api_url"), config.get("github_token"),
                     config.get("redis_prefix")};
    while (!c.github_api_url.empty() && c.github_api_url.back() == '/') c.github_api_url.pop_back();
    return std::unique_ptr<Service>(std::make_unique<NotifierService>(std::move(c)));
}

}  // namespace strata::notifier
