// The notifier's configuration: its options table (file keys, STRATA_* variables, flags) and
// the typed, validated struct built once from it. A channel with nothing configured is off:
// its queue is still consumed and its messages acked, so nothing piles up in the broker.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "retry_policy.hpp"
#include "slack_message.hpp"
#include "sns_audit.hpp"
#include "strata/aws_sigv4.hpp"
#include "strata/config.hpp"
#include "strata/github_auth.hpp"

namespace strata::notifier {

using github::GitHubAuthConfig;

struct NotifierConfig {
    std::string redis_prefix;
    // GitHub: check runs and pull-request comments.
    bool github_enabled = false;
    GitHubAuthConfig github;
    std::string github_web_url;  // links to commits and files
    bool pr_comments = true;
    // Slack.
    std::string slack_webhook_url;
    std::string slack_bot_token;
    std::string slack_api_url;
    SlackRoutes slack_routes;
    int reminder_hour_utc = -1;  // -1: no reminders
    // SNS audit.
    bool sns_enabled = false;
    SnsTarget sns;
    aws::Credentials aws;
    std::string aws_imds_url;  // instance metadata, when no keys are configured ("" = off)
    // Delivery.
    RetryPolicy retry;
    std::chrono::milliseconds lock_ttl{60'000};

    bool slack_enabled() const { return !slack_routes.empty(); }
};

std::vector<OptionSpec> notifier_option_specs();
Result<NotifierConfig> notifier_config(const Config& config);

}  // namespace strata::notifier
