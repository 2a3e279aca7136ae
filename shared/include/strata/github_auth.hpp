// Authentication to GitHub's REST API: a plain token, or a GitHub App. As an App, a JWT (RS256,
// signed with the App's private key, valid 9 minutes, issued a minute in the past for clock
// drift) is exchanged for an installation access token per installation
// (POST /app/installations/{id}/access_tokens); tokens are cached until `refresh_margin` before
// they expire, and dropped when GitHub answers 401 with one. A repository whose installation is
// not known (0) is looked up once with GET /repos/{owner}/{repo}/installation.
//
// Shared by the daemons that call GitHub (the notifier: check runs and comments; the scheduler:
// team membership of reviewers). Loop thread only; callbacks run on the loop. Token exchanges
// use their own HTTP client, so they never queue behind a caller's requests. Tokens never reach
// a log.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/config.hpp"
#include "strata/http_client.hpp"
#include "strata/loop.hpp"
#include "strata/result.hpp"

namespace strata::github {

using SystemClock = std::function<std::chrono::system_clock::time_point()>;

struct GitHubAuthConfig {
    std::string api_url;  // "https://api.github.com" or "https://HOST/api/v3"
    std::string token;    // plain token; used when app_id is empty
    std::string app_id;
    std::string private_key_pem;
    long long default_installation = 0;  // when a message names none
    std::chrono::milliseconds refresh_margin{300'000};
    std::string user_agent = "strata";

    bool enabled() const { return !app_id.empty() || !token.empty(); }
};

// The options every daemon that calls GitHub reads, with the same names (github_api_url,
// github_token, github_app_id, github_app_private_key[_file], github_installation_id,
// github_token_refresh_margin; STRATA_GITHUB_* in the environment). Secrets are marked secret:
// masked in --check-config and redacted from logs.
std::vector<OptionSpec> auth_option_specs();
// Reads them (the private key file too). Refuses an App id without a private key.
Result<GitHubAuthConfig> auth_config(const Config& config, std::string user_agent);

// The installation tokens in hand. Plain logic with the time passed in.
class InstallationTokens {
public:
    // The token for installation while it has more than `margin` left.
    std::optional<std::string> valid(long long installation,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::milliseconds margin) const;
    void store(long long installation, std::string token,
               std::chrono::system_clock::time_point expires_at);
    // Drops the installation's token if it is still `token` (a newer one stays).
    void forget(long long installation, const std::string& token);

private:
    struct Entry {
        std::string token;
        std::chrono::system_clock::time_point expires_at;
    };
    std::map<long long, Entry> tokens_;
};

// The JWT's claims: {"iat": now - 60, "exp": now + 540, "iss": app_id}.
std::string app_jwt_claims(const std::string& app_id, std::chrono::system_clock::time_point now);

// "2016-07-11T22:14:10Z" (fractions and offsets allowed) -> time; nullopt when unreadable.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

class GitHubAuth {
public:
    GitHubAuth(Loop& loop, GitHubAuthConfig config, SystemClock clock = {});
    ~GitHubAuth();
    GitHubAuth(const GitHubAuth&) = delete;
    GitHubAuth& operator=(const GitHubAuth&) = delete;

    bool is_app() const { return !config_.app_id.empty(); }
    const std::string& api_url() const { return config_.api_url; }

    // The Authorization header's value for a request about `repo` ("acme/infra").
    void authorization(const std::string& repo, long long installation,
                       std::function<void(Result<std::string>)> done);
    // GitHub answered 401 to a request made with `authorization`: fetch a new token next time.
    void rejected(const std::string& repo, long long installation,
                  const std::string& authorization);

    long long tokens_fetched() const { return tokens_fetched_; }

private:
    using Callback = std::function<void(Result<std::string>)>;
    void with_installation(const std::string& repo, long long installation,
                           std::function<void(Result<long long>)> done);
    void fetch_token(long long installation);
    void finish(long long installation, Result<std::string> token);
    Result<std::string> app_jwt() const;
    HttpClientRequest app_request(const std::string& method, const std::string& path,
                                  const std::string& jwt) const;

    Loop& loop_;
    GitHubAuthConfig config_;
    SystemClock clock_;
    std::unique_ptr<HttpClient> http_;
    InstallationTokens tokens_;
    std::map<std::string, long long> installations_;      // repo -> installation id
    std::map<long long, std::vector<Callback>> waiting_;  // token exchanges under way
    long long tokens_fetched_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::github
