#include "strata/github_auth.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>
#include <sstream>

#include "strata/jwt.hpp"
#include "strata/log.hpp"

namespace strata::github {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

std::string said(const HttpClientResponse& r) {
    auto body = json::parse(r.body, nullptr, false);
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        return ": " + body["message"].get<std::string>();
    return "";
}

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("reading " + path + ": cannot open it");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

std::vector<OptionSpec> auth_option_specs() {
    return {
        {"github_api_url", "https://api.github.com",
         "GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)"},
        {"github_token", "", "a token for the GitHub API (instead of a GitHub App)", true},
        {"github_app_id", "",
         "GitHub App id (or client id); with a private key, Strata authenticates as the App"},
        {"github_app_private_key", "", "the GitHub App's private key (PEM text)", true},
        {"github_app_private_key_file", "", "file holding the GitHub App's private key (PEM)"},
        {"github_installation_id", "0",
         "installation used when a message names none (0: look it up per repository)"},
        {"github_token_refresh_margin", "5m",
         "fetch a new installation token this long before the old one expires"},
    };
}

Result<GitHubAuthConfig> auth_config(const Config& config, std::string user_agent) {
    GitHubAuthConfig gh;
    gh.user_agent = std::move(user_agent);
    gh.api_url = without_trailing_slash(config.get("github_api_url"));
    gh.token = config.get("github_token");
    gh.app_id = config.get("github_app_id");
    gh.private_key_pem = config.get("github_app_private_key");
    if (gh.private_key_pem.empty() && !config.get("github_app_private_key_file").empty()) {
        auto pem = read_text_file(config.get("github_app_private_key_file"));
        if (!pem) return pem.error().context("github_app_private_key_file");
        gh.private_key_pem = std::move(*pem);
    }
    if (!gh.app_id.empty() && gh.private_key_pem.empty())
        return make_error(
            "github_app_id needs github_app_private_key or github_app_private_key_file");
    auto installation = config.get_int("github_installation_id");
    if (!installation) return installation.error();
    gh.default_installation = *installation;
    auto margin = config.get_duration("github_token_refresh_margin");
    if (!margin) return margin.error();
    gh.refresh_margin = *margin;
    return gh;
}

std::optional<std::string> InstallationTokens::valid(long long installation,
                                                     system_clock::time_point now,
                                                     std::chrono::milliseconds margin) const {
    auto it = tokens_.find(installation);
    if (it == tokens_.end() || it->second.expires_at - margin <= now) return std::nullopt;
    return it->second.token;
}

void InstallationTokens::store(long long installation, std::string token,
                               system_clock::time_point expires_at) {
    tokens_[installation] = {std::move(token), expires_at};
}

void InstallationTokens::forget(long long installation, const std::string& token) {
    auto it = tokens_.find(installation);
    if (it != tokens_.end() && it->second.token == token) tokens_.erase(it);
}

std::string app_jwt_claims(const std::string& app_id, system_clock::time_point now) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    // iss: GitHub takes the App id (a number) or its client id (a string).
    bool numeric = !app_id.empty() && app_id.find_first_not_of("0123456789") == std::string::npos;
    json claims = {{"iat", seconds - 60}, {"exp", seconds + 540}};
    claims["iss"] = numeric ? json(std::stoll(app_id)) : json(app_id);
    return claims.dump();
}

std::optional<system_clock::time_point> parse_rfc3339(const std::string& text) {
    std::tm tm{};
    const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == nullptr) return std::nullopt;
    if (*rest == '.')
        while (*++rest >= '0' && *rest <= '9') {
        }
    long offset = 0;
    if (*rest == '+' || *rest == '-') {
        int h = 0, m = 0;
        if (std::sscanf(rest + 1, "%2d:%2d", &h, &m) != 2) return std::nullopt;
        offset = (h * 3600 + m * 60) * (*rest == '-' ? -1 : 1);
    } else if (*rest != 'Z' && *rest != 'z') {
        return std::nullopt;
    }
    return system_clock::from_time_t(timegm(&tm) - offset);
}

GitHubAuth::GitHubAuth(Loop& loop, GitHubAuthConfig config, SystemClock clock)
    : loop_(loop),
      config_(std::move(config)),
      clock_(clock ? std::move(clock) : SystemClock([] { return system_clock::now(); })),
      http_(std::make_unique<HttpClient>(loop)) {}

GitHubAuth::~GitHubAuth() { *alive_ = false; }

Result<std::string> GitHubAuth::app_jwt() const {
    return jwt::sign_rs256(app_jwt_claims(config_.app_id, clock_()), config_.private_key_pem);
}

HttpClientRequest GitHubAuth::app_request(const std::string& method, const std::string& path,
                                          const std::string& jwt) const {
    HttpClientRequest req;
    req.method = method;
    req.url = config_.api_url + path;
    req.headers = {{"Accept", "application/vnd.github+json"},
                   {"Authorization", "Bearer " + jwt},
                   {"X-GitHub-Api-Version", "2022-11-28"},
                   {"User-Agent", config_.user_agent}};
    return req;
}

void GitHubAuth::authorization(const std::string& repo, long long installation,
                               std::function<void(Result<std::string>)> done) {
    if (!is_app()) return done("Bearer " + config_.token);
    with_installation(repo, installation, [this, done = std::move(done)](Result<long long> id) {
        if (!id) return done(id.error());
        if (auto token = tokens_.valid(*id, clock_(), config_.refresh_margin))
            return done("Bearer " + *token);
        auto& waiters = waiting_[*id];
        waiters.push_back(std::move(done));
        if (waiters.size() == 1) fetch_token(*id);
    });
}

void GitHubAuth::rejected(const std::string& repo, long long installation,
                          const std::string& authorization) {
    if (!is_app() || authorization.rfind("Bearer ", 0) != 0) return;
    if (installation == 0) installation = config_.default_installation;
    if (installation == 0) {
        auto it = installations_.find(repo);
        if (it == installations_.end()) return;
        installation = it->second;
    }
    tokens_.forget(installation, authorization.substr(7));
}

void GitHubAuth::with_installation(const std::string& repo, long long installation,
                                   std::function<void(Result<long long>)> done) {
    if (installation == 0) installation = config_.default_installation;
    if (installation != 0) return done(installation);
    if (auto it = installations_.find(repo); it != installations_.end()) return done(it->second);
    auto jwt = app_jwt();
    if (!jwt) return done(jwt.error());
    http_->send(app_request("GET", "/repos/" + repo + "/installation", *jwt),
                [this, alive = alive_, repo, done = std::move(done)](Result<HttpClientResponse> r) {
                    if (!*alive) return;
                    const std::string what = "finding the App installation of " + repo;
                    if (!r) return done(r.error().context(what));
                    if (r->status != 200)
                        return done(make_error(what + ": GitHub answered " +
                                               std::to_string(r->status) + said(*r)));
                    auto body = json::parse(r->body, nullptr, false);
                    if (!body.is_object() || !body.contains("id") || !body["id"].is_number())
                        return done(make_error(what + ": the answer has no id"));
                    installations_[repo] = body["id"].get<long long>();
                    done(installations_[repo]);
                });
}

void GitHubAuth::fetch_token(long long installation) {
    auto jwt = app_jwt();
    if (!jwt) return finish(installation, jwt.error());
    auto path = "/app/installations/" + std::to_string(installation) + "/access_tokens";
    http_->send(app_request("POST", path, *jwt), [this, alive = alive_,
                                                  installation](Result<HttpClientResponse> r) {
        if (!*alive) return;
        const std::string what =
            "getting an access token of installation " + std::to_string(installation);
        if (!r) return finish(installation, r.error().context(what));
        if (r->status != 201)
            return finish(installation, make_error(what + ": GitHub answered " +
                                                   std::to_string(r->status) + said(*r)));
        auto body = json::parse(r->body, nullptr, false);
        if (!body.is_object() || !body.contains("token") || !body["token"].is_string() ||
            !body.contains("expires_at") || !body["expires_at"].is_string())
            return finish(installation, make_error(what + ": the answer has no token"));
        auto token = body["token"].get<std::string>();
        auto expires = parse_rfc3339(body["expires_at"].get<std::string>());
        if (!expires) return finish(installation, make_error(what + ": unreadable expires_at"));
        // Not registered with log::register_secret: one per hour would grow that list forever;
        // no log line carries a header or a token.
        tokens_.store(installation, token, *expires);
        ++tokens_fetched_;
        log::info("fetched a GitHub installation token",
                  {{"installation", installation},
                   {"expires_at", body["expires_at"].get<std::string>()}});
        finish(installation, "Bearer " + token);
    });
}

void GitHubAuth::finish(long long installation, Result<std::string> token) {
    auto waiters = std::move(waiting_[installation]);
    waiting_.erase(installation);
    for (auto& done : waiters) done(token);
}

}  // namespace strata::github
