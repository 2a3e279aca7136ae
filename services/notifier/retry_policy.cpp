#include "retry_policy.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace strata::notifier {
namespace {

using std::chrono::system_clock;

std::string header(const HttpClientResponse& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
}

std::optional<long long> header_number(const HttpClientResponse& r, const std::string& name) {
    auto value = header(r, name);
    if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit)) return std::nullopt;
    return std::stoll(value);
}

// GitHub's "message", a Slack "error" or the start of an XML error, for the reason.
std::string what_it_said(const HttpClientResponse& r) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    std::string said;
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        said = body["message"].get<std::string>();
    else if (body.is_object() && body.contains("error") && body["error"].is_string())
        said = body["error"].get<std::string>();
    else
        said = r.body;
    if (said.size() > 200) said = said.substr(0, 200) + "…";
    for (auto& c : said)
        if (c == '\n' || c == '\r') c = ' ';
    return said;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string answered(const char* service, const HttpClientResponse& r) {
    auto said = what_it_said(r);
    return std::string(service) + " answered " + std::to_string(r.status) +
           (said.empty() ? "" : ": " + said);
}

std::optional<milliseconds> until_reset(const HttpClientResponse& r, system_clock::time_point now) {
    auto reset = header_number(r, "x-ratelimit-reset");
    if (!reset) return std::nullopt;
    auto at = system_clock::time_point(std::chrono::seconds(*reset));
    auto wait = std::chrono::duration_cast<milliseconds>(at - now) + milliseconds(1'000);
    return std::max(wait, milliseconds(1'000));
}

}  // namespace

milliseconds retry_delay(const RetryPolicy& policy, int failed_attempts,
                         std::optional<milliseconds> hint, double random01) {
    random01 = std::clamp(random01, 0.0, 1.0);
    if (hint) {
        auto base = std::min(*hint, policy.max_hint);
        auto spread = std::min(base / 10, milliseconds(5'000));
        return base +
               milliseconds(static_cast<long long>(static_cast<double>(spread.count()) * random01));
    }
    int shift = std::clamp(failed_attempts - 1, 0, 30);
    auto exp = policy.base_delay.count();
    for (int i = 0; i < shift && exp < policy.max_delay.count(); ++i) exp *= 2;
    exp = std::min(exp, policy.max_delay.count());
    return milliseconds(exp / 2 +
                        static_cast<long long>(static_cast<double>(exp - exp / 2) * random01));
}

std::optional<milliseconds> parse_retry_after(const std::string& value,
                                              system_clock::time_point now) {
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), ::isdigit))
        return milliseconds(std::stoll(value.substr(0, 9)) * 1000);
    std::tm tm{};
    const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr) return std::nullopt;
    auto at = system_clock::from_time_t(timegm(&tm));
    return std::max(std::chrono::duration_cast<milliseconds>(at - now), milliseconds(0));
}

Outcome classify_github(const Result<HttpClientResponse>& response, system_clock::time_point now) {
    if (!response) return Outcome::retry(response.error().message);
    const auto& r = *response;
    if (r.status >= 200 && r.status < 300) return Outcome::delivered();
    // The client already refreshed its token once; a second 401 may be GitHub catching up with
    // a new installation, or a token that will never work: bounded retries tell them apart.
    if (r.status == 401) return Outcome::retry(answered("GitHub", r) + " (check the credentials)");
    if (r.status == 403 || r.status == 429) {
        auto retry_after = parse_retry_after(header(r, "retry-after"), now);
        auto remaining = header_number(r, "x-ratelimit-remaining");
        bool secondary = lower(what_it_said(r)).find("secondary rate limit") != std::string::npos;
        if (retry_after) {
            auto o = Outcome::retry(answered("GitHub", r), retry_after);
            o.pause_channel = retry_after;
            return o;
        }
        if (remaining && *remaining == 0) {
            auto wait = until_reset(r, now).value_or(milliseconds(60'000));
            auto o = Outcome::retry(answered("GitHub", r) + " (primary rate limit)", wait);
            o.pause_channel = wait;
            return o;
        }
        if (secondary || r.status == 429) {
            // GitHub: without a header, wait at least a minute (backoff grows past it).
            auto o = Outcome::retry(answered("GitHub", r), milliseconds(60'000));
            o.pause_channel = milliseconds(60'000);
            return o;
        }
        return Outcome::permanent(answered("GitHub", r));
    }
    if (r.status >= 500 || r.status == 408) {
        return Outcome::retry(answered("GitHub", r),
                              parse_retry_after(header(r, "retry-after"), now));
    }
    return Outcome::permanent(answered("GitHub", r));
}

std::optional<milliseconds> github_budget_exhausted(const HttpClientResponse& response,
                                                    system_clock::time_point now) {
    auto remaining = header_number(response, "x-ratelimit-remaining");
    if (!remaining || *remaining > 0) return std::nullopt;
    return until_reset(response, now);
}

Outcome classify_slack(const Result<HttpClientResponse>& response, system_clock::time_point now) {
    if (!response) return Outcome::retry(response.error().message);
    const auto& r = *response;
    if (r.status == 429) {
        auto after = parse_retry_after(header(r, "retry-after"), now).value_or(milliseconds(1'000));
        auto o = Outcome::retry(answered("Slack", r), after);
        o.pause_channel = after;
        return o;
    }
    if (r.status >= 500) return Outcome::retry(answered("Slack", r));
    if (r.status != 200) return Outcome::permanent(answered("Slack", r));
    if (r.body == "ok") return Outcome::delivered();
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("ok"))
        return Outcome::permanent("Slack answered 200 with an unexpected body: " + what_it_said(r));
    if (body["ok"] == true) return Outcome::delivered();
    auto error = body.value("error", std::string("unknown"));
    if (error == "ratelimited" || error == "rate_limited" || error == "service_unavailable" ||
        error == "fatal_error" || error == "internal_error" || error == "request_timeout")
        return Outcome::retry("Slack answered " + error,
                              parse_retry_after(header(r, "retry-after"), now));
    return Outcome::permanent("Slack answered " + error);
}

Outcome classify_sns(const Result<HttpClientResponse>& response, system_clock::time_point now,
                     bool refreshable) {
    if (!response) return Outcome::retry(response.error().message);
    const auto& r = *response;
    if (r.status >= 200 && r.status < 300) return Outcome::delivered();
    auto code = [&] {
        auto open = r.body.find("<Code>");
        auto close = r.body.find("</Code>");
        if (open == std::string::npos || close == std::string::npos || close < open)
            return std::string();
        return r.body.substr(open + 6, close - open - 6);
    }();
    std::string reason =
        "SNS answered " + std::to_string(r.status) + (code.empty() ? "" : " " + code);
    auto after = parse_retry_after(header(r, "retry-after"), now);
    if (r.status == 429 || code == "Throttling" || code == "ThrottledException" ||
        code == "RequestThrottled" || r.status >= 500)
        return Outcome::retry(reason, after);
    if (r.status == 403 && refreshable) {
        auto o = Outcome::retry(reason + "; refreshing the credentials", milliseconds(0));
        return o;
    }
    return Outcome::permanent(reason);
}

}  // namespace strata::notifier
