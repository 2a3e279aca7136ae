// The request handling of strata-fake-api, a TEST DOUBLE of GitHub's REST API, Slack and AWS
// SNS (see main.cpp). It checks what the real services check and answers as they do; tests
// steer it through /_control/ (failures to inject, credentials to accept) and read back what it
// holds from GET /_control/state.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "strata/http_server.hpp"

namespace strata::fake {

using Clock = std::chrono::system_clock;
using nlohmann::json;

// What the next requests of one service answer instead of the real thing.
struct FailurePhase {
    int count = 1;
    int status = 500;
    int retry_after = 0;        // seconds; a Retry-After header when > 0
    int rate_limit_reset = -1;  // >= 0: primary rate limit headers, reset in this many seconds
    bool secondary = false;     // GitHub's secondary rate limit message
};

class FakeApis {
public:
    FakeApis(const std::string& record_path, const std::string& timeline_path);

    HttpResponse handle(const HttpRequest& req);

    // Accept only this plain GitHub token (besides installation tokens), from --github-token.
    void accept_github_token(const std::string& token) { plain_tokens_.insert(token); }
    void set_github_app(const std::string& app_id, const std::string& public_key_pem) {
        app_id_ = app_id;
        app_key_pem_ = public_key_pem;
    }
    // Team members (fake_github_teams.cpp): members is [login...] (active) or {login: state}.
    void set_team(const std::string& team, const json& members);
    Result<void> set_teams_from_flag(const std::string& text);  // "org/team=a,b;org/t2=c"

private:
    // fake_apis.cpp
    HttpResponse control(const HttpRequest& req);
    json state() const;
    void record(const HttpRequest& req, const HttpResponse& resp);
    bool inject_failure(const std::string& service, HttpResponse& resp);
    // fake_github.cpp
    HttpResponse github(const HttpRequest& req);
    HttpResponse github_routes(const HttpRequest& req, const std::string& installation_auth);
    std::string github_authenticate(const HttpRequest& req, bool app_endpoint,
                                    HttpResponse& refusal);
    HttpResponse check_runs(const HttpRequest& req, const std::string& repo,
                            const std::string& rest);
    HttpResponse issue_comments(const HttpRequest& req, const std::string& repo,
                                const std::string& rest);
    void add_rate_limit_headers(HttpResponse& resp);
    bool team_membership(const HttpRequest& req, HttpResponse& resp);
    void timeline(const json& run);
    // fake_slack.cpp
    HttpResponse slack(const HttpRequest& req);
    // fake_sns.cpp
    HttpResponse sns(const HttpRequest& req);
    HttpResponse imds(const HttpRequest& req);

    std::ofstream record_;
    std::ofstream timeline_;
    long long next_id_ = 1000;
    std::map<std::string, std::deque<FailurePhase>> failures_;  // "github" | "slack" | "sns"
    std::map<std::string, long long> requests_;                 // per service

    // GitHub
    std::string app_id_;                  // "" : any well-formed App JWT is accepted
    std::string app_key_pem_;             // public key the App JWT must verify with
    std::set<std::string> plain_tokens_;  // empty: any plain token
    struct IssuedToken {
        long long installation;
        Clock::time_point expires_at;
    };
    std::map<std::string, IssuedToken> issued_;
    int token_ttl_seconds_ = 3600;
    std::vector<std::string> github_rejections_;  // why requests were refused (401/422)
    long long rate_limited_ = 0;                  // answers 403 for an exhausted budget
    struct RateLimit {
        long long limit = 5000;
        long long remaining = 5000;
        Clock::time_point reset{};
    } rate_;
    std::map<long long, json> check_runs_;     // id -> the run as GitHub keeps it
    std::map<long long, json> check_history_;  // id -> [{status, conclusion, title}] per write
    std::map<long long, json> comments_;       // id -> {id, issue, body}
    std::map<std::string, std::map<std::string, std::string>> teams_;  // org/team -> login -> state
    long long team_membership_requests_ = 0;

    // Slack
    json slack_messages_ = json::array();
    // SNS and the instance metadata service
    std::map<std::string, std::string> aws_keys_;  // access key id -> secret (verify signatures)
    json sns_messages_ = json::array();
    json imds_credentials_;  // {AccessKeyId, SecretAccessKey, Token, Expiration} or null
    std::string imds_token_;
};

HttpResponse github_error(int status, const std::string& message);

}  // namespace strata::fake
