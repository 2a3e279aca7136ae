#include "installation_tokens.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <iomanip>
#include <sstream>

#include "strata/http_client.hpp"
#include "strata/jwt.hpp"
#include "strata/log.hpp"

namespace strata::planner {
namespace {

using Clock = std::chrono::system_clock;

// "2026-01-01T00:00:00Z" -> time point; now + 50 minutes when it does not parse.
Clock::time_point parse_expiry(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    if (in.fail()) return Clock::now() + std::chrono::minutes(50);
    return Clock::from_time_t(timegm(&tm));
}

}  // namespace

Result<std::string> InstallationTokens::token(long long installation_id) {
    if (settings_.app_id.empty() || installation_id == 0) return settings_.static_token;
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    if (auto it = cache_.find(installation_id); it != cache_.end() && now < it->second.renew_at)
        return it->second.token;
    const std::string what =
        "getting an installation token for installation " + std::to_string(installation_id);
    long long issued =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - 60;
    nlohmann::json claims{{"iat", issued}, {"exp", issued + 540}, {"iss", settings_.app_id}};
    auto jwt = jwt::sign_rs256(claims.dump(), settings_.app_private_key);
    if (!jwt) return jwt.error().context(what);
    HttpClientRequest request;
    request.method = "POST";
    request.url = settings_.api_url + "/app/installations/" + std::to_string(installation_id) +
                  "/access_tokens";
    request.headers = {{"Authorization", "Bearer " + *jwt},
                       {"Accept", "application/vnd.github+json"},
                       {"User-Agent", "strata-planner"}};
    auto response = http_request_blocking(request);
    if (!response) return response.error().context(what);
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    if (response->status != 201 || !body.is_object() || !body.contains("token") ||
        !body["token"].is_string())
        return make_error(what + ": GitHub answered " + std::to_string(response->status));
    std::string token = body["token"].get<std::string>();
    // Redacted while in use: the token it replaces is unregistered, so that the list does not
    // grow by one token an hour for as long as the planner runs.
    log::register_secret(token);
    auto expires = parse_expiry(body.value("expires_at", ""));
    auto& cached = cache_[installation_id];
    if (!cached.token.empty()) log::unregister_secret(cached.token);
    cached = {token, expires - std::chrono::minutes(5)};
    return token;
}

void InstallationTokens::forget(long long installation_id) {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(installation_id); it != cache_.end()) {
        log::unregister_secret(it->second.token);
        cache_.erase(it);
    }
}

}  // namespace strata::planner
