#include "notifier_config.hpp"

namespace strata::notifier {
namespace {

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// https://api.github.com -> https://github.com; https://HOST/api/v3 -> https://HOST.
std::string web_url_of(const std::string& api_url) {
    if (api_url == "https://api.github.com") return "https://github.com";
    const std::string ghes = "/api/v3";
    if (api_url.size() > ghes.size() &&
        api_url.compare(api_url.size() - ghes.size(), ghes.size(), ghes) == 0)
        return api_url.substr(0, api_url.size() - ghes.size());
    return api_url;
}

}  // namespace

std::vector<OptionSpec> notifier_option_specs() {
    // GitHub's options are shared with the scheduler (strata/github_auth.hpp); the web URL
    // keeps its place after the API URL.
    auto specs = github::auth_option_specs();
    specs.insert(
        specs.begin() + 1,
        {"github_web_url", "", "GitHub web URL for links (default: derived from github_api_url)"});
    std::vector<OptionSpec> rest = {
        {"github_pr_comments", "true", "keep a comment with the plans on each pull request"},
        {"slack_webhook_url", "", "Slack incoming webhook URL", true},
        {"slack_bot_token", "", "Slack bot token for chat.postMessage", true},
        {"slack_api_url", "https://slack.com/api", "Slack Web API base URL"},
        {"slack_channel", "", "channel of the default routes when posting with the bot token"},
        {"slack_routes", "",
         "event=target,...;... with events needs_review, needs_unlock, failed, timed_out, "
         "succeeded, "
         "reminder and targets 'webhook' or a channel (default: every event but succeeded to the "
         "webhook, or to slack_channel)"},
        {"slack_reminder_hour_utc", "9",
         "hour (UTC) of the business-day reminder about locked queues; -1: none"},
        {"sns_topic_arn", "", "SNS topic of the apply audit stream (empty: no audit events)"},
        {"sns_endpoint", "", "SNS endpoint URL (default: https://sns.<region>.amazonaws.com)"},
        {"aws_region", "us-east-1", "AWS region of the SNS topic"},
        {"aws_access_key_id", "", "AWS access key id (else the instance's credentials)"},
        {"aws_secret_access_key", "", "AWS secret access key", true},
        {"aws_session_token", "", "AWS session token of temporary credentials", true},
        {"aws_imds_url", "http://169.254.169.254",
         "EC2 instance metadata service, for credentials when no keys are set (empty: off)"},
        {"delivery_max_attempts", "10", "attempts per notification before it is dead-lettered"},
        {"delivery_base_delay", "1s", "first retry delay (doubled per attempt, with jitter)"},
        {"delivery_max_delay", "5m", "longest retry delay of the backoff"},
        {"delivery_max_wait", "20m",
         "longest wait honoured when a service asks (Retry-After, rate limits)"},
    };
    specs.insert(specs.end(), rest.begin(), rest.end());
    return specs;
}

Result<NotifierConfig> notifier_config(const Config& config) {
    NotifierConfig c;
    c.redis_prefix = config.get("redis_prefix");

    auto github = github::auth_config(config, "strata-notifier");
    if (!github) return github.error();
    c.github = std::move(*github);
    const auto& gh = c.github;
    c.github_enabled = gh.enabled();
    c.github_web_url = without_trailing_slash(config.get("github_web_url"));
    if (c.github_web_url.empty()) c.github_web_url = web_url_of(gh.api_url);
    auto comments = config.get_bool("github_pr_comments");
    if (!comments) return comments.error();
    c.pr_comments = *comments;

    c.slack_webhook_url = config.get("slack_webhook_url");
    c.slack_bot_token = config.get("slack_bot_token");
    c.slack_api_url = without_trailing_slash(config.get("slack_api_url"));
    std::string routes = config.get("slack_routes");
    if (routes.empty() && (!c.slack_webhook_url.empty() || !config.get("slack_channel").empty())) {
        std::string target = c.slack_webhook_url.empty() ? config.get("slack_channel") : "webhook";
        for (const char* event :
             {"needs_review", "needs_unlock", "failed", "timed_out", "reminder"})
            routes += std::string(event) + "=" + target + ";";
    }
    auto parsed =
        parse_slack_routes(routes, !c.slack_webhook_url.empty(), !c.slack_bot_token.empty());
    if (!parsed) return parsed.error();
    c.slack_routes = std::move(*parsed);
    auto hour = config.get_int("slack_reminder_hour_utc");
    if (!hour || *hour < -1 || *hour > 23)
        return make_error("slack_reminder_hour_utc: expected an hour 0-23, or -1");
    c.reminder_hour_utc = static_cast<int>(*hour);

    c.sns.topic_arn = config.get("sns_topic_arn");
    c.sns.region = config.get("aws_region");
    c.sns.endpoint = config.get("sns_endpoint");
    if (c.sns.endpoint.empty()) c.sns.endpoint = "https://sns." + c.sns.region + ".amazonaws.com/";
    c.aws = {config.get("aws_access_key_id"), config.get("aws_secret_access_key"),
             config.get("aws_session_token")};
    c.aws_imds_url = without_trailing_slash(config.get("aws_imds_url"));
    c.sns_enabled = !c.sns.topic_arn.empty();
    if (c.sns_enabled && !valid_topic_arn(c.sns.topic_arn))
        return make_error("sns_topic_arn: '" + c.sns.topic_arn + "' is not an SNS topic ARN");
    if (c.aws.access_key_id.empty() != c.aws.secret_access_key.empty())
        return make_error("aws_access_key_id and aws_secret_access_key go together");
    if (c.sns_enabled && c.aws.empty() && c.aws_imds_url.empty())
        return make_error(
            "sns_topic_arn needs AWS credentials: aws_access_key_id and "
            "aws_secret_access_key, or aws_imds_url");

    auto attempts = config.get_int("delivery_max_attempts");
    auto base = config.get_duration("delivery_base_delay");
    auto max = config.get_duration("delivery_max_delay");
    auto wait = config.get_duration("delivery_max_wait");
    if (!attempts) return attempts.error();
    if (!base) return base.error();
    if (!max) return max.error();
    if (!wait) return wait.error();
    if (*attempts < 1) return make_error("delivery_max_attempts: at least 1");
    c.retry = {static_cast<int>(*attempts), *base, *max, *wait};
    return c;
}

}  // namespace strata::notifier
