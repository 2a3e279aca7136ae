// Slack: which deployment states are worth a message, where each kind goes, the messages
// themselves (Block Kit, within Slack's limits: section text 3,000 characters, button text 75,
// 50 blocks), and when the reminder about locked queues is due. Plain functions.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "strata/messages.hpp"
#include "strata/result.hpp"

namespace strata::notifier {

// Events, by their names in slack_routes.
inline constexpr const char* kSlackEvents[] = {"needs_review", "needs_unlock", "failed",
                                               "timed_out",    "succeeded",    "reminder"};

// A place a message goes: the incoming webhook, or a channel through chat.postMessage.
struct SlackTarget {
    bool webhook = false;
    std::string channel;  // "#deploys" or "C0123ABC" (bot token only)
    bool operator==(const SlackTarget&) const = default;
};
using SlackRoutes = std::map<std::string, std::vector<SlackTarget>>;  // event -> targets

// "needs_review=#deploys,webhook;failed=#alerts" (event=target,target;...). A target is
// "webhook" (the incoming webhook URL) or a channel (needs the bot token). Unknown events and
// targets that cannot be reached with what is configured are errors.
Result<SlackRoutes> parse_slack_routes(const std::string& text, bool have_webhook,
                                       bool have_bot_token);

// The event a deployment state is, if any: awaiting_review -> needs_review, locked ->
// needs_unlock, failed, timed_out (and review_timed_out), succeeded. Deploys only: pull-request
// plans are for the pull request.
std::optional<std::string> slack_event_for(const DeploymentState& state);

// The message ({text, blocks}); check_run_url is where the buttons lead.
nlohmann::json slack_message(const DeploymentState& state, const std::string& event,
                             const std::string& check_run_url);

// One root's queue is locked with merge deploys waiting on an Unlock.
struct LockedDeploy {
    std::string deployment_id;
    std::string repo;
    std::string root;
    std::string revision;
    std::string since;  // RFC 3339, when it started waiting
    std::string url;    // its check run (or commit) page
};
nlohmann::json slack_reminder(const std::vector<LockedDeploy>& waiting);

// The next reminder after `now`: the next business day (Monday to Friday) at hour_utc:00 UTC,
// computed from the calendar each time (no drift, no counting of intervals).
std::chrono::system_clock::time_point next_reminder(std::chrono::system_clock::time_point now,
                                                    int hour_utc);
// "2026-11-20" (UTC) of a point in time, to remember which day's reminder went out.
std::string utc_date(std::chrono::system_clock::time_point when);

}  // namespace strata::notifier
