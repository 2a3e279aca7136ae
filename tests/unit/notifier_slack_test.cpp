// Slack: routes per event and target, which deploy states are events, the messages within
// Slack's limits, and when the business-day reminder is due.
#include <gtest/gtest.h>

#include "slack_message.hpp"

namespace strata::notifier {
namespace {

using std::chrono::system_clock;

DeploymentState deploy(const std::string& state) {
    DeploymentState s;
    s.deployment_id = "d1";
    s.seq = 1;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {"network", "envs/network", "default", ""};
    s.revision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    s.kind = "deploy";
    s.trigger = "manual";
    s.user = "octocat";
    s.state = state;
    s.log_url = "https://strata.example/logs/d1";
    return s;
}

// November 2026; the 20th is a Friday.
system_clock::time_point utc(int day, int hour, int minute = 0, int month = 11) {
    std::tm tm{};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    return system_clock::from_time_t(timegm(&tm));
}

TEST(SlackRoutes, SendEachEventToItsTargets) {
    auto routes = parse_slack_routes("needs_review=webhook,#deploys; failed=#alerts;;", true, true);
    ASSERT_TRUE(routes) << routes.error().message;
    EXPECT_EQ(routes->size(), 2u);
    EXPECT_EQ(routes->at("needs_review"),
              (std::vector<SlackTarget>{{true, ""}, {false, "#deploys"}}));
    EXPECT_EQ(routes->at("failed"), (std::vector<SlackTarget>{{false, "#alerts"}}));
}

TEST(SlackRoutes, RefuseUnknownEventsAndTargetsThatCannotBeReached) {
    auto unknown = parse_slack_routes("deployed=webhook", true, true);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown event 'deployed'"), std::string::npos);
    auto no_token = parse_slack_routes("failed=#alerts", true, false);
    ASSERT_FALSE(no_token);
    EXPECT_NE(no_token.error().message.find("slack_bot_token"), std::string::npos);
    EXPECT_FALSE(parse_slack_routes("failed=webhook", false, true));
    EXPECT_FALSE(parse_slack_routes("failed", true, true));
}

TEST(SlackEvents, AreReviewUnlockFailureTimeoutAndSuccessOfDeploys) {
    EXPECT_EQ(slack_event_for(deploy("awaiting_review")), "needs_review");
    EXPECT_EQ(slack_event_for(deploy("locked")), "needs_unlock");
    EXPECT_EQ(slack_event_for(deploy("failed")), "failed");
    EXPECT_EQ(slack_event_for(deploy("timed_out")), "timed_out");
    EXPECT_EQ(slack_event_for(deploy("review_timed_out")), "timed_out");
    EXPECT_EQ(slack_event_for(deploy("succeeded")), "succeeded");
    for (const char* quiet :
         {"queued", "planning", "confirmed", "applying", "rejected", "cancelled"})
        EXPECT_EQ(slack_event_for(deploy(quiet)), std::nullopt) << quiet;
    auto plan = deploy("failed");
    plan.kind = "plan";
    EXPECT_EQ(slack_event_for(plan), std::nullopt) << "pull-request plans go to the pull request";
}

TEST(SlackMessages, LinkTheCheckRunAndTheLogAndEscapeControlCharacters) {
    auto s = deploy("failed");
    s.root.name = "a<b>&c";
    s.reason = "Error: <nope>\nsecond line";
    auto m = slack_message(s, "failed", "https://github.com/acme/infra/runs/1");
    const auto& section = m["blocks"][0]["text"]["text"].get_ref<const std::string&>();
    EXPECT_NE(section.find("a&lt;b&gt;&amp;c"), std::string::npos) << section;
    EXPECT_NE(section.find("Error: &lt;nope&gt;"), std::string::npos) << section;
    EXPECT_EQ(section.find("second line"), std::string::npos)
        << "only the first line of the reason";
    const auto& buttons = m["blocks"][1]["elements"];
    ASSERT_EQ(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["url"], "https://github.com/acme/infra/runs/1");
    EXPECT_EQ(buttons[1]["url"], "https://strata.example/logs/d1");
    EXPECT_NE(buttons[0]["action_id"], buttons[1]["action_id"]);
    EXPECT_NE(m["text"].get<std::string>().find("<https://github.com/acme/infra/runs/1|check run>"),
              std::string::npos);
}

TEST(SlackMessages, StayWithinBlockKitLimits) {
    auto s = deploy("failed");
    s.reason = std::string(10'000, 'x');
    s.root.name = std::string(5'000, 'r');
    auto m = slack_message(s, "failed", "https://github.com/acme/infra/runs/1");
    EXPECT_LE(m["blocks"][0]["text"]["text"].get<std::string>().size(), 3000u);
    EXPECT_LE(m["text"].get<std::string>().size(), 3000u);
}

TEST(SlackReminder, ListsEachLockedRootOnceWithItsOldestWaitingDeploy) {
    std::vector<LockedDeploy> waiting = {
        {"d2", "acme/infra", "network", "bbb", "2026-11-19T10:00:00.000Z", "https://x/runs/2"},
        {"d1", "acme/infra", "network", "aaa", "2026-11-18T09:00:00.000Z", "https://x/runs/1"},
        {"d3", "acme/infra", "dns", "ccc", "2026-11-20T08:00:00.000Z", "https://x/runs/3"}};
    auto m = slack_reminder(waiting);
    auto lines = m["blocks"][1]["text"]["text"].get<std::string>();
    EXPECT_NE(
        lines.find("`network` in acme/infra: 2 merge deploys waiting since 2026-11-18 09:00:00 UTC "
                   "(<https://x/runs/1|check run>)"),
        std::string::npos)
        << lines;
    EXPECT_NE(lines.find("`dns` in acme/infra: 1 merge deploy waiting"), std::string::npos)
        << lines;
    EXPECT_NE(m["text"].get<std::string>().find("(2 roots)"), std::string::npos);
}

TEST(ReminderSchedule, IsTheNextBusinessDayAtTheConfiguredHour) {
    EXPECT_EQ(next_reminder(utc(20, 8, 59), 9), utc(20, 9)) << "Friday, before the hour";
    EXPECT_EQ(next_reminder(utc(20, 9), 9), utc(23, 9)) << "Friday at the hour: Monday next";
    EXPECT_EQ(next_reminder(utc(21, 12), 9), utc(23, 9)) << "Saturday";
    EXPECT_EQ(next_reminder(utc(22, 23, 59), 9), utc(23, 9)) << "Sunday night";
    EXPECT_EQ(next_reminder(utc(23, 9, 1), 9), utc(24, 9)) << "Monday after the hour";
    EXPECT_EQ(next_reminder(utc(30, 10), 0), utc(1, 0, 0, 12)) << "across the end of a month";
    EXPECT_EQ(utc_date(utc(20, 23, 59)), "2026-11-20");
}

}  // namespace
}  // namespace strata::notifier
