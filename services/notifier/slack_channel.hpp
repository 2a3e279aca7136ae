// The Slack channel (queue strata.notifier.slack): a message when a deploy needs a person
// (review, unlock), fails, times out or succeeds, to the targets slack_routes gives each event
// (incoming webhook, or channels through chat.postMessage with the bot token); and the reminder
// about locked queues with merge deploys waiting, at the configured hour (UTC) on business days.
//
// Every deploy state (messaged or not) updates which deployments wait on an Unlock, in Redis, so
// the reminder is computed from what is true at that hour and survives restarts:
// P:notifier:locked:<owner>/<repo>||<root> (hash deployment id -> JSON), P:notifier:locked_roots
// (set of root keys), P:notifier:slack_seq:<deployment id> (last state seen; older ones are
// skipped), P:notifier:reminder:<YYYY-MM-DD> (set once the day's reminder went out, so neither a
// restart nor a second instance sends it twice).
//
// One message at a time per deployment, in arrival order. Messages already posted to a target
// are not posted again when a later target fails and the attempt is retried.
#pragma once

#include <map>
#include <memory>
#include <set>

#include "check_run.hpp"
#include "delivery_queue.hpp"
#include "notifier_store.hpp"
#include "slack_message.hpp"
#include "strata/github_auth.hpp"
#include "strata/http_client.hpp"

namespace strata::notifier {

using github::SystemClock;

struct SlackSettings {
    std::string webhook_url;
    std::string bot_token;
    std::string api_url = "https://slack.com/api";
    SlackRoutes routes;
    int reminder_hour_utc = -1;  // -1: none
    RenderLinks links;           // fallback links to commits
};

class SlackChannel : public Channel {
public:
    SlackChannel(Loop& loop, NotifierStore& store, SlackSettings settings, SystemClock clock = {});
    ~SlackChannel() override;

    std::string name() const override { return "slack"; }
    Admission admit(const Delivery& delivery) override;
    void attempt(const std::string& key, const std::vector<const Pending*>& batch, int attempt,
                 std::function<void(Outcome)> done) override;

    // Schedules the reminders (when an hour is configured); reminders go through `queue`.
    void start_reminders(DeliveryQueue& queue);
    // Sends today's reminder now unless it went out already (what the timer does at the hour).
    void remind(std::function<void()> then = {});

private:
    struct Reminder {
        nlohmann::json message;
    };
    void attempt_state(const Pending& pending, std::function<void(Outcome)> done);
    void post_all(std::shared_ptr<std::string> progress_key, std::vector<SlackTarget> targets,
                  nlohmann::json message, std::function<void(Outcome)> done);
    void post(const SlackTarget& target, const nlohmann::json& message,
              std::function<void(Outcome)> done);
    void schedule_reminder();
    void collect_locked(std::function<void(std::vector<LockedDeploy>)> done);

    Loop& loop_;
    NotifierStore& store_;
    SlackSettings settings_;
    SystemClock clock_;
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<Timer> reminder_timer_;
    DeliveryQueue* queue_ = nullptr;
    std::map<std::string, std::set<std::size_t>> posted_;  // attempt key -> targets done
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::notifier
