// The notifier's configuration: channels on and off, GitHub App or token, GHES URLs, Slack
// routes, SNS credentials, and the errors for what does not fit together.
#include <gtest/gtest.h>

#include "notifier_config.hpp"

namespace strata::notifier {
namespace {

Result<NotifierConfig> configure(std::vector<std::string> env) {
    auto specs = common_option_specs();
    auto own = notifier_option_specs();
    specs.insert(specs.end(), own.begin(), own.end());
    const char* argv[] = {"strata-notifier"};
    auto parsed = parse_command_line(specs, 1, argv, env);
    if (!parsed) return parsed.error();
    return notifier_config(parsed->config);
}

TEST(NotifierConfig, WithNothingConfiguredEveryChannelIsOff) {
    auto c = configure({});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_FALSE(c->github_enabled);
    EXPECT_FALSE(c->slack_enabled());
    EXPECT_FALSE(c->sns_enabled);
    EXPECT_EQ(c->retry.max_attempts, 10);
}

TEST(NotifierConfig, GitHubEnterpriseLinksPointAtTheServerNotTheApi) {
    auto c = configure(
        {"STRATA_GITHUB_TOKEN=ghp_x", "STRATA_GITHUB_API_URL=https://git.example.com/api/v3/"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->github_enabled);
    EXPECT_EQ(c->github.api_url, "https://git.example.com/api/v3");
    EXPECT_EQ(c->github_web_url, "https://git.example.com");
    EXPECT_EQ(configure({"STRATA_GITHUB_TOKEN=x"})->github_web_url, "https://github.com");
}

TEST(NotifierConfig, AGitHubAppNeedsItsPrivateKey) {
    auto c = configure({"STRATA_GITHUB_APP_ID=42"});
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("github_app_private_key"), std::string::npos);
    auto missing = configure(
        {"STRATA_GITHUB_APP_ID=42", "STRATA_GITHUB_APP_PRIVATE_KEY_FILE=/nonexistent.pem"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("/nonexistent.pem"), std::string::npos);
    auto app = configure({"STRATA_GITHUB_APP_ID=42", "STRATA_GITHUB_APP_PRIVATE_KEY=pem",
                          "STRATA_GITHUB_TOKEN_REFRESH_MARGIN=2m"});
    ASSERT_TRUE(app);
    EXPECT_TRUE(app->github_enabled);
    EXPECT_EQ(app->github.refresh_margin, std::chrono::minutes(2));
}

TEST(NotifierConfig, AWebhookAloneSendsTheEventsThatNeedAPersonToIt) {
    auto c = configure({"STRATA_SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/x"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->slack_enabled());
    for (const char* event : {"needs_review", "needs_unlock", "failed", "timed_out", "reminder"})
        EXPECT_EQ(c->slack_routes.at(event), (std::vector<SlackTarget>{{true, ""}})) << event;
    EXPECT_EQ(c->slack_routes.count("succeeded"), 0u);
    EXPECT_EQ(c->reminder_hour_utc, 9);
}

TEST(NotifierConfig, SlackRoutesAndTheReminderHourAreChecked) {
    EXPECT_FALSE(configure({"STRATA_SLACK_ROUTES=failed=#alerts"}))
        << "a channel without a bot token";
    EXPECT_FALSE(
        configure({"STRATA_SLACK_WEBHOOK_URL=https://h", "STRATA_SLACK_REMINDER_HOUR_UTC=24"}));
    auto c = configure({"STRATA_SLACK_BOT_TOKEN=xoxb-1", "STRATA_SLACK_CHANNEL=#deploys"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->slack_routes.at("failed"), (std::vector<SlackTarget>{{false, "#deploys"}}));
}

TEST(NotifierConfig, SnsNeedsAValidTopicAndCredentials) {
    EXPECT_FALSE(configure({"STRATA_SNS_TOPIC_ARN=audit"}));
    EXPECT_FALSE(configure(
        {"STRATA_SNS_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:a", "STRATA_AWS_IMDS_URL="}))
        << "no keys and no instance metadata";
    EXPECT_FALSE(configure({"STRATA_AWS_ACCESS_KEY_ID=AKID"})) << "a key id without its secret";
    auto c = configure({"STRATA_SNS_TOPIC_ARN=arn:aws:sns:eu-west-1:123456789012:a",
                        "STRATA_AWS_REGION=eu-west-1", "STRATA_AWS_ACCESS_KEY_ID=AKID",
                        "STRATA_AWS_SECRET_ACCESS_KEY=s", "STRATA_AWS_SESSION_TOKEN=t"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->sns_enabled);
    EXPECT_EQ(c->sns.endpoint, "https://sns.eu-west-1.amazonaws.com/");
    EXPECT_EQ(c->aws.session_token, "t");
}

TEST(NotifierConfig, DeliveryLimitsAreRead) {
    auto c = configure({"STRATA_DELIVERY_MAX_ATTEMPTS=3", "STRATA_DELIVERY_BASE_DELAY=200ms",
                        "STRATA_DELIVERY_MAX_DELAY=10s", "STRATA_DELIVERY_MAX_WAIT=1m"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->retry.max_attempts, 3);
    EXPECT_EQ(c->retry.base_delay, std::chrono::milliseconds(200));
    EXPECT_EQ(c->retry.max_delay, std::chrono::seconds(10));
    EXPECT_EQ(c->retry.max_hint, std::chrono::minutes(1));
    EXPECT_FALSE(configure({"STRATA_DELIVERY_MAX_ATTEMPTS=0"}));
}

}  // namespace
}  // namespace strata::notifier
