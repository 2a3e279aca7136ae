// How deliveries to GitHub, Slack and SNS are retried: what an answer means (delivered, worth
// another try, or never going to work), and how long to wait before the next try. Plain
// functions of their input, so the policy is tested without a network.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "strata/http_client.hpp"
#include "strata/result.hpp"

namespace strata::notifier {

using std::chrono::milliseconds;

// What one delivery attempt came to.
struct Outcome {
    enum class Kind { Delivered, Retry, Permanent };
    Kind kind = Kind::Delivered;
    std::string reason;  // Retry/Permanent: logged, and the dead letter's reason
    std::optional<milliseconds> retry_after;  // the server asked for at least this long
    // A rate limit of the whole account or token: every key of the channel waits this long.
    std::optional<milliseconds> pause_channel;
    // False when the attempt did not fail through the message (a lock held by another
    // instance): it does not use up one of the bounded attempts.
    bool counts = true;

    static Outcome delivered() { return {}; }
    static Outcome retry(std::string reason, std::optional<milliseconds> after = std::nullopt) {
        return {Kind::Retry, std::move(reason), after, std::nullopt, true};
    }
    static Outcome permanent(std::string reason) {
        return {Kind::Permanent, std::move(reason), std::nullopt, std::nullopt, true};
    }
};

struct RetryPolicy {
    int max_attempts = 10;             // then dead-letter
    milliseconds base_delay{1'000};    // first backoff, doubled per failed attempt
    milliseconds max_delay{300'000};   // backoff cap
    milliseconds max_hint{1'200'000};  // longest Retry-After or rate-limit wait honoured
};

// Exponential backoff with "equal jitter": half of min(max_delay, base * 2^(attempt-1)) plus a
// random share of the other half (random01 in [0, 1)). With a server hint, at least the hint
// (capped at max_hint) plus up to a tenth more, so clients released together do not collide.
milliseconds retry_delay(const RetryPolicy& policy, int failed_attempts,
                         std::optional<milliseconds> hint, double random01);

// Retry-After: delta-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<milliseconds> parse_retry_after(const std::string& value,
                                              std::chrono::system_clock::time_point now);

// GitHub's REST API (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
// 2xx delivered; 403/429 with x-ratelimit-remaining 0 waits for x-ratelimit-reset (primary
// limit, pausing the channel); 403/429 with Retry-After, or naming a secondary rate limit, waits
// (at least a minute without a header); 5xx, 408 and network errors retry with backoff; other
// 4xx (422 validation, 404, 403 permissions) are permanent. A 401 (after the client refreshed
// its token once) retries with backoff.
Outcome classify_github(const Result<HttpClientResponse>& response,
                        std::chrono::system_clock::time_point now);

// After a 2xx: when x-ratelimit-remaining is 0, how long until x-ratelimit-reset.
std::optional<milliseconds> github_budget_exhausted(const HttpClientResponse& response,
                                                    std::chrono::system_clock::time_point now);

// Slack: HTTP 200 with "ok" (incoming webhook) or {"ok":true} (Web API) is delivered;
// {"ok":false,"error":"ratelimited"} and 429 (Retry-After) retry, as do 5xx and network
// errors; other errors (invalid_payload, channel_not_found, invalid_auth, ...) are permanent.
Outcome classify_slack(const Result<HttpClientResponse>& response,
                       std::chrono::system_clock::time_point now);

// SNS (query API, XML answers): 2xx delivered; 429, Throttling/ThrottledException, 5xx and
// network errors retry; other 4xx (InvalidParameter, AuthorizationError, ...) are permanent,
// except a 403 whose credentials the caller can refresh (refreshable).
Outcome classify_sns(const Result<HttpClientResponse>& response,
                     std::chrono::system_clock::time_point now, bool refreshable);

}  // namespace strata::notifier
