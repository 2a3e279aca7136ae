#include "slack_message.hpp"

#include <algorithm>
#include <ctime>

#include "markdown.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr std::size_t kMaxSectionText = 3000;
constexpr std::size_t kMaxButtonText = 75;

// Slack's mrkdwn: &, < and > are control characters.
std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

std::string trim(std::string s) {
    auto first = s.find_first_not_of(" \t");
    auto last = s.find_last_not_of(" \t");
    return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

json button(const std::string& text, const std::string& url, const std::string& action_id) {
    return {{"type", "button"},
            {"text", {{"type", "plain_text"}, {"text", cut_utf8(text, kMaxButtonText)}}},
            {"url", url},
            {"action_id", action_id}};
}

json section(const std::string& mrkdwn) {
    return {{"type", "section"},
            {"text", {{"type", "mrkdwn"}, {"text", cut_utf8(mrkdwn, kMaxSectionText)}}}};
}

std::string first_line(const std::string& text) {
    auto nl = text.find('\n');
    return cut_utf8(nl == std::string::npos ? text : text.substr(0, nl), 300);
}

}  // namespace

Result<SlackRoutes> parse_slack_routes(const std::string& text, bool have_webhook,
                                       bool have_bot_token) {
    SlackRoutes routes;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(';', start);
        std::string rule = trim(text.substr(start, end == std::string::npos ? end : end - start));
        start = end == std::string::npos ? text.size() + 1 : end + 1;
        if (rule.empty()) continue;
        auto eq = rule.find('=');
        if (eq == std::string::npos)
            return make_error("slack_routes: '" + rule + "' is not event=target,...");
        std::string event = trim(rule.substr(0, eq));
        if (std::none_of(std::begin(kSlackEvents), std::end(kSlackEvents),
                         [&](const char* e) { return event == e; }))
            return make_error("slack_routes: unknown event '" + event +
                              "' (needs_review, needs_unlock, failed, timed_out, succeeded, "
                              "reminder)");
        auto& targets = routes[event];
        std::string list = rule.substr(eq + 1);
        for (std::size_t p = 0; p <= list.size();) {
            auto comma = list.find(',', p);
            std::string t = trim(list.substr(p, comma == std::string::npos ? comma : comma - p));
            p = comma == std::string::npos ? list.size() + 1 : comma + 1;
            if (t.empty()) continue;
            SlackTarget target{t == "webhook", t == "webhook" ? "" : t};
            if (target.webhook && !have_webhook)
                return make_error("slack_routes: '" + event +
                                  "' goes to the webhook, but slack_webhook_url is not set");
            if (!target.webhook && !have_bot_token)
                return make_error("slack_routes: '" + event + "' goes to channel " + t +
                                  ", which needs slack_bot_token");
            if (std::find(targets.begin(), targets.end(), target) == targets.end())
                targets.push_back(target);
        }
    }
    return routes;
}

std::optional<std::string> slack_event_for(const DeploymentState& s) {
    if (s.kind == "plan") return std::nullopt;
    if (s.state == "awaiting_review") return "needs_review";
    if (s.state == "locked") return "needs_unlock";
    if (s.state == "failed") return "failed";
    if (s.state == "timed_out" || s.state == "review_timed_out") return "timed_out";
    if (s.state == "succeeded") return "succeeded";
    return std::nullopt;
}

json slack_message(const DeploymentState& s, const std::string& event,
                   const std::string& check_run_url) {
    std::string what = "`" + escape(s.root.name) + "` at `" + short_sha(s.revision) + "` in " +
                       escape(s.repo.full_name);
    std::string plan = s.plan ? " Plan: " + plan_counts(*s.plan) + "." : "";
    std::string by = s.user.empty() ? "" : " Triggered by " + escape(s.user) + ".";
    std::string headline, detail;
    if (event == "needs_review") {
        headline = ":eyes: *Review needed*: " + what;
        detail = "The plan waits for *Confirm* or *Reject* on the check run." + plan + by;
    } else if (event == "needs_unlock") {
        headline = ":lock: *Unlock needed*: " + what;
        detail = "This merge deploy waits until someone presses *Unlock* on the check run." + by;
    } else if (event == "failed") {
        headline = ":x: *Deploy failed*: " + what;
        detail = (s.reason.empty() ? "" : "`" + escape(first_line(s.reason)) + "`\n") +
                 "Fix the cause and push, or re-run the check once it is fixed." + by;
    } else if (event == "timed_out") {
        bool review = s.state == "review_timed_out";
        headline = review ? ":hourglass: *Not confirmed within 7 days*: " + what
                          : ":hourglass: *Apply timed out*: " + what;
        detail = review ? "Counted as Reject; nothing was applied. Re-run the check to plan again."
                        : "The executor stopped answering; the apply will not be retried "
                          "automatically. Check the log, then re-run the check to deploy again.";
    } else {
        headline = ":white_check_mark: *Deployed*: " + what;
        detail = (s.plan && s.plan->has_changes() ? "Applied." + plan : "No changes.") + by;
    }
    json elements = json::array({button("Open the check run", check_run_url, "open_check_run")});
    if (!s.log_url.empty()) elements.push_back(button("Log", s.log_url, "open_log"));
    json blocks = json::array(
        {section(headline + "\n" + detail), {{"type", "actions"}, {"elements", elements}}});
    std::string text = headline + " <" + check_run_url + "|check run>";
    return {{"text", cut_utf8(text, kMaxSectionText)}, {"blocks", blocks}};
}

json slack_reminder(const std::vector<LockedDeploy>& waiting) {
    // One line per root, oldest waiting deploy first within it.
    std::map<std::string, std::vector<const LockedDeploy*>> by_root;
    for (const auto& w : waiting) by_root[w.repo + " " + w.root].push_back(&w);
    std::string lines;
    std::size_t listed = 0;
    for (auto& [key, list] : by_root) {
        std::sort(list.begin(), list.end(),
                  [](const auto* a, const auto* b) { return a->since < b->since; });
        const auto* oldest = list.front();
        std::string line = "• `" + escape(oldest->root) + "` in " + escape(oldest->repo) + ": " +
                           std::to_string(list.size()) + " merge deploy" +
                           (list.size() == 1 ? "" : "s") + " waiting since " +
                           readable_time(oldest->since) + " (<" + oldest->url + "|check run>)\n";
        if (lines.size() + line.size() > kMaxSectionText - 200) break;
        lines += line;
        ++listed;
    }
    if (listed < by_root.size())
        lines += "… and " + std::to_string(by_root.size() - listed) + " more roots.\n";
    std::string headline = ":lock: *Locked queues with merge deploys waiting* (" +
                           std::to_string(by_root.size()) + " root" +
                           (by_root.size() == 1 ? "" : "s") +
                           "). Press *Unlock* on a check run to let them proceed.";
    json blocks = json::array({section(headline), section(lines)});
    return {{"text", headline}, {"blocks", blocks}};
}

system_clock::time_point next_reminder(system_clock::time_point now, int hour_utc) {
    std::time_t t = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    tm.tm_hour = hour_utc;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    for (int day = 0; day < 8; ++day) {
        std::tm candidate = tm;
        candidate.tm_mday += day;
        std::time_t at = timegm(&candidate);  // normalises the date
        std::tm check{};
        gmtime_r(&at, &check);
        bool business = check.tm_wday >= 1 && check.tm_wday <= 5;
        if (business && system_clock::from_time_t(at) > now) return system_clock::from_time_t(at);
    }
    return now + std::chrono::hours(24);  // unreachable: a week always has a business day
}

std::string utc_date(system_clock::time_point when) {
    std::time_t t = system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace strata::notifier
