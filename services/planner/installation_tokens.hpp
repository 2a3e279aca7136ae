// Tokens to fetch repositories with: a GitHub App installation access token when the App is
// configured and the event names an installation (JWT RS256 -> POST
// {api}/app/installations/{id}/access_tokens, cached until five minutes before it expires), else
// the configured token, else none (file:// URLs need none). Tokens are registered with the log's
// redaction and never logged.
//
// Thread-safe; token() blocks (HTTP): call it from a worker thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "strata/result.hpp"

namespace strata::planner {

struct TokenSettings {
    std::string static_token;     // github_token
    std::string app_id;           // "" = no GitHub App
    std::string app_private_key;  // PEM
    std::string api_url = "https://api.github.com";
};

class InstallationTokens {
public:
    explicit InstallationTokens(TokenSettings settings) : settings_(std::move(settings)) {}

    Result<std::string> token(long long installation_id);

    // Drops the cached token of an installation, so that the next token() asks GitHub again:
    // called when a fetch with it failed (GitHub may have revoked it before its expiry).
    void forget(long long installation_id);

private:
    struct Cached {
        std::string token;
        std::chrono::system_clock::time_point renew_at;
    };
    TokenSettings settings_;
    std::mutex mutex_;
    std::map<long long, Cached> cache_;
};

}  // namespace strata::planner
