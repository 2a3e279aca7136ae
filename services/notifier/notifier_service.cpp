#include "notifier_service.hpp"

#include <memory>
#include <vector>

#include "aws_credentials.hpp"
#include "check_runs_channel.hpp"
#include "delivery_queue.hpp"
#include "notifier_config.hpp"
#include "notifier_store.hpp"
#include "pr_comments_channel.hpp"
#include "slack_channel.hpp"
#include "sns_channel.hpp"
#include "strata/log.hpp"
#include "strata/topology.hpp"

namespace strata::notifier {
namespace {

class NotifierService : public Service {
public:
    explicit NotifierService(NotifierConfig config) : config_(std::move(config)) {}

    Result<void> setup(DaemonContext& ctx) override {
        ctx_ = &ctx;
        store_ =
            std::make_unique<NotifierStore>(*ctx.redis, config_.redis_prefix, config_.lock_ttl);
        RenderLinks links{config_.github_web_url, {}};
        Channel* github = nullptr;
        Channel* comments = nullptr;
        if (config_.github_enabled) {
            auth_ = std::make_unique<GitHubAuth>(ctx.loop, config_.github);
            checks_ = std::make_unique<CheckRunsChannel>(ctx.loop, *auth_, *store_, links);
            github = checks_.get();
            if (config_.pr_comments) {
                comments_ = std::make_unique<PrCommentsChannel>(ctx.loop, *auth_, *store_, links);
                comments = comments_.get();
            }
        } else {
            log::warn("no GitHub credentials (github_token or github_app_id): check runs are off");
        }
        if (config_.slack_enabled()) {
            SlackSettings settings{config_.slack_webhook_url, config_.slack_bot_token,
                                   config_.slack_api_url,     config_.slack_routes,
                                   config_.reminder_hour_utc, links};
            slack_ = std::make_unique<SlackChannel>(ctx.loop, *store_, std::move(settings));
        }
        if (config_.sns_enabled) {
            credentials_ = std::make_unique<AwsCredentialsProvider>(ctx.loop, config_.aws,
                                                                    config_.aws_imds_url);
            sns_ = std::make_unique<SnsChannel>(ctx.loop, *store_, config_.sns, *credentials_);
        }
        consume(topology::notifier(), github);
        consume(topology::notifier_comments(), comments);
        consume(topology::notifier_slack(), slack_.get());
        consume(topology::notifier_sns(), sns_.get());
        return {};
    }

    void started() override {
        if (slack_) slack_->start_reminders(*queues_.at(2));
    }

    void drain(std::function<void()> done) override {
        auto remaining = std::make_shared<std::size_t>(queues_.size());
        auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
        for (auto& queue : queues_) {
            if (!queue) {
                if (--*remaining == 0) (*shared_done)();
                continue;
            }
            queue->drain([remaining, shared_done] {
                if (--*remaining == 0) (*shared_done)();
            });
        }
    }

private:
    // Every notifier queue is consumed, a channel that is off acks what arrives.
    void consume(QueueSpec spec, Channel* channel) {
        if (!channel) {
            queues_.push_back(nullptr);
            ctx_->amqp.declare(
                std::move(spec),
                [](const Delivery&, std::shared_ptr<DeliveryControl> c) { c->ack(); });
            return;
        }
        auto queue =
            std::make_unique<DeliveryQueue>(ctx_->loop, *channel, config_.retry, ctx_->metrics);
        auto* raw = queue.get();
        queues_.push_back(std::move(queue));
        ctx_->amqp.declare(std::move(spec),
                           [raw](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                               raw->push(d, std::move(c));
                           });
    }

    NotifierConfig config_;
    DaemonContext* ctx_ = nullptr;
    std::unique_ptr<NotifierStore> store_;
    std::unique_ptr<GitHubAuth> auth_;
    std::unique_ptr<AwsCredentialsProvider> credentials_;
    std::unique_ptr<CheckRunsChannel> checks_;
    std::unique_ptr<PrCommentsChannel> comments_;
    std::unique_ptr<SlackChannel> slack_;
    std::unique_ptr<SnsChannel> sns_;
    // Last: destroyed first, before the channels they call.
    std::vector<std::unique_ptr<DeliveryQueue>> queues_;  // github, comments, slack, sns
};

}  // namespace

DaemonInfo daemon_info() {
    return {"notifier",
            "Tells people: a GitHub check run per deployment (with Unlock, Confirm and Reject "
            "buttons) and a plan comment per pull request, Slack messages and reminders, and an "
            "SNS audit event for every apply. Each channel has its own queue and retries on its "
            "own; a notification failure never holds up a deployment.",
            notifier_option_specs()};
}

Result<std::unique_ptr<Service>> make_service(const Config& config) {
    auto c = notifier_config(config);
    if (!c) return c.error();
    return std::unique_ptr<Service>(std::make_unique<NotifierService>(std::move(*c)));
}

}  // namespace strata::notifier
