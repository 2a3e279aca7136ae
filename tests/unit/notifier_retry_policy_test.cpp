// What answers from GitHub, Slack and SNS mean for a delivery (delivered, retry, give up), and
// how long a retry waits: backoff with jitter, Retry-After, GitHub's rate-limit headers.
#include <gtest/gtest.h>

#include "retry_policy.hpp"

namespace strata::notifier {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using Kind = Outcome::Kind;

const auto kNow = system_clock::time_point(std::chrono::seconds(1'700'000'000));

Result<HttpClientResponse> answer(int status, std::string body = "",
                                  std::map<std::string, std::string> headers = {}) {
    return HttpClientResponse{status, std::move(headers), std::move(body)};
}

TEST(RetryDelay, DoublesPerAttemptWithJitterUpToTheCap) {
    RetryPolicy p{10, 1s, 60s, 20min};
    EXPECT_EQ(retry_delay(p, 1, std::nullopt, 0.0), 500ms);
    EXPECT_EQ(retry_delay(p, 1, std::nullopt, 1.0), 1000ms);
    EXPECT_EQ(retry_delay(p, 2, std::nullopt, 0.0), 1000ms);
    EXPECT_EQ(retry_delay(p, 4, std::nullopt, 0.5), 6000ms);
    EXPECT_EQ(retry_delay(p, 30, std::nullopt, 1.0), 60s) << "capped";
    EXPECT_EQ(retry_delay(p, 30, std::nullopt, 0.0), 30s);
}

TEST(RetryDelay, WaitsAtLeastWhatTheServerAskedForButNotForever) {
    RetryPolicy p{10, 1s, 60s, 20min};
    EXPECT_EQ(retry_delay(p, 1, 7s, 0.0), 7s);
    EXPECT_EQ(retry_delay(p, 1, 7s, 1.0), 7700ms) << "up to a tenth more";
    EXPECT_EQ(retry_delay(p, 1, 3h, 0.0), 20min);
}

TEST(RetryAfter, IsSecondsOrAnHttpDate) {
    EXPECT_EQ(parse_retry_after("120", kNow), 120s);
    auto in_a_minute = system_clock::to_time_t(kNow + 60s);
    std::tm tm{};
    gmtime_r(&in_a_minute, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    EXPECT_EQ(parse_retry_after(date, kNow), 60s);
    EXPECT_EQ(parse_retry_after("", kNow), std::nullopt);
    EXPECT_EQ(parse_retry_after("soon", kNow), std::nullopt);
}

TEST(GitHubAnswers, SuccessIsDelivered) {
    EXPECT_EQ(classify_github(answer(201), kNow).kind, Kind::Delivered);
    EXPECT_EQ(classify_github(answer(200), kNow).kind, Kind::Delivered);
}

TEST(GitHubAnswers, ServerErrorsAndNetworkFailuresRetryWithBackoff) {
    auto o = classify_github(answer(502, R"({"message":"Server Error"})"), kNow);
    EXPECT_EQ(o.kind, Kind::Retry);
    EXPECT_EQ(o.retry_after, std::nullopt);
    EXPECT_EQ(o.reason, "GitHub answered 502: Server Error");
    auto network =
        classify_github(Result<HttpClientResponse>(Error{"POST http://x: timed out"}), kNow);
    EXPECT_EQ(network.kind, Kind::Retry);
    EXPECT_EQ(network.reason, "POST http://x: timed out");
}

TEST(GitHubAnswers, A429WithRetryAfterWaitsThatLongAndPausesTheChannel) {
    auto o = classify_github(
        answer(429, R"({"message":"API rate limit exceeded"})", {{"retry-after", "30"}}), kNow);
    EXPECT_EQ(o.kind, Kind::Retry);
    EXPECT_EQ(o.retry_after, 30s);
    EXPECT_EQ(o.pause_channel, 30s);
}

TEST(GitHubAnswers, AnExhaustedPrimaryLimitWaitsForTheReset) {
    auto reset = std::to_string(1'700'000'000 + 600);
    auto o = classify_github(
        answer(403, R"({"message":"API rate limit exceeded for installation ID 1."})",
               {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}),
        kNow);
    EXPECT_EQ(o.kind, Kind::Retry);
    EXPECT_EQ(o.retry_after, 601s);
    EXPECT_EQ(o.pause_channel, 601s);
}

TEST(GitHubAnswers, ASecondaryLimitWithoutHeadersWaitsAtLeastAMinute) {
    auto o = classify_github(
        answer(403, R"({"message":"You have exceeded a secondary rate limit."})"), kNow);
    EXPECT_EQ(o.kind, Kind::Retry);
    EXPECT_EQ(o.retry_after, 60s);
}

TEST(GitHubAnswers, ValidationPermissionAndMissingResourcesArePermanent) {
    EXPECT_EQ(classify_github(answer(422, R"({"message":"Validation Failed"})"), kNow).kind,
              Kind::Permanent);
    EXPECT_EQ(classify_github(
                  answer(403, R"({"message":"Resource not accessible by integration"})"), kNow)
                  .kind,
              Kind::Permanent);
    EXPECT_EQ(classify_github(answer(404), kNow).kind, Kind::Permanent);
}

TEST(GitHubAnswers, A401AfterTheTokenWasRefreshedRetries) {
    auto o = classify_github(answer(401, R"({"message":"Bad credentials"})"), kNow);
    EXPECT_EQ(o.kind, Kind::Retry);
    EXPECT_TRUE(o.counts);
}

TEST(GitHubAnswers, AnEmptyBudgetAfterASuccessPausesUntilTheReset) {
    auto reset = std::to_string(1'700'000'000 + 30);
    HttpClientResponse ok{200, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}, ""};
    EXPECT_EQ(github_budget_exhausted(ok, kNow), 31s);
    ok.headers["x-ratelimit-remaining"] = "12";
    EXPECT_EQ(github_budget_exhausted(ok, kNow), std::nullopt);
}

TEST(SlackAnswers, OkIsDeliveredRateLimitsRetryAndBadRequestsAreFinal) {
    EXPECT_EQ(classify_slack(answer(200, "ok"), kNow).kind, Kind::Delivered);
    EXPECT_EQ(classify_slack(answer(200, R"({"ok":true})"), kNow).kind, Kind::Delivered);
    auto limited = classify_slack(answer(429, "", {{"retry-after", "3"}}), kNow);
    EXPECT_EQ(limited.kind, Kind::Retry);
    EXPECT_EQ(limited.retry_after, 3s);
    EXPECT_EQ(classify_slack(answer(200, R"({"ok":false,"error":"ratelimited"})"), kNow).kind,
              Kind::Retry);
    EXPECT_EQ(classify_slack(answer(503, "internal_error"), kNow).kind, Kind::Retry);
    auto bad = classify_slack(answer(200, R"({"ok":false,"error":"channel_not_found"})"), kNow);
    EXPECT_EQ(bad.kind, Kind::Permanent);
    EXPECT_EQ(bad.reason, "Slack answered channel_not_found");
    EXPECT_EQ(classify_slack(answer(400, "invalid_payload"), kNow).kind, Kind::Permanent);
    EXPECT_EQ(classify_slack(answer(404, "no_service"), kNow).kind, Kind::Permanent);
}

TEST(SnsAnswers, ThrottlingAndServerErrorsRetryOtherErrorsAreFinal) {
    EXPECT_EQ(classify_sns(answer(200, "<PublishResponse/>"), kNow, false).kind, Kind::Delivered);
    EXPECT_EQ(classify_sns(answer(400, "<Error><Code>Throttling</Code></Error>"), kNow, false).kind,
              Kind::Retry);
    EXPECT_EQ(
        classify_sns(answer(429, "<Error><Code>ThrottledException</Code></Error>"), kNow, false)
            .kind,
        Kind::Retry);
    EXPECT_EQ(
        classify_sns(answer(500, "<Error><Code>InternalError</Code></Error>"), kNow, false).kind,
        Kind::Retry);
    auto bad =
        classify_sns(answer(400, "<Error><Code>InvalidParameter</Code></Error>"), kNow, false);
    EXPECT_EQ(bad.kind, Kind::Permanent);
    EXPECT_EQ(bad.reason, "SNS answered 400 InvalidParameter");
    EXPECT_EQ(
        classify_sns(answer(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>"), kNow, false)
            .kind,
        Kind::Permanent);
    EXPECT_EQ(
        classify_sns(answer(403, "<Error><Code>ExpiredToken</Code></Error>"), kNow, true).kind,
        Kind::Retry)
        << "instance credentials can be fetched again";
}

}  // namespace
}  // namespace strata::notifier
