#include "fake_apis.hpp"

#include "strata/messages.hpp"

namespace strata::fake {

HttpResponse github_error(int status, const std::string& message) {
    return HttpResponse::json(
        status,
        json{{"message", message}, {"documentation_url", "https://docs.github.com/rest"}}.dump());
}

FakeApis::FakeApis(const std::string& record_path, const std::string& timeline_path)
    : record_(record_path, std::ios::app) {
    if (!timeline_path.empty()) timeline_.open(timeline_path, std::ios::app);
}

HttpResponse FakeApis::handle(const HttpRequest& req) {
    if (req.path.rfind("/_control/", 0) == 0) return control(req);
    HttpResponse resp;
    if (req.path.rfind("/slack/", 0) == 0 || req.path == "/api/chat.postMessage")
        resp = slack(req);
    else if (req.path.rfind("/sns", 0) == 0)
        resp = sns(req);
    else if (req.path.rfind("/latest/", 0) == 0)
        resp = imds(req);
    else
        resp = github(req);
    record(req, resp);
    return resp;
}

void FakeApis::record(const HttpRequest& req, const HttpResponse& resp) {
    json body = json::parse(req.body, nullptr, false);
    json line = {{"ts", now_rfc3339()},
                 {"method", req.method},
                 {"path", req.path},
                 {"status", resp.status},
                 {"authorization", req.header("authorization").empty() ? "" : "present"},
                 {"body", body.is_discarded() ? json(req.body) : body}};
    record_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
}

// Failures injected for `service`: fills resp and returns true while a phase lasts.
bool FakeApis::inject_failure(const std::string& service, HttpResponse& resp) {
    ++requests_[service];
    auto& phases = failures_[service];
    if (phases.empty()) return false;
    auto& phase = phases.front();
    if (service == "github") {
        std::string message = phase.secondary ? "You have exceeded a secondary rate limit. Please "
                                                "wait a few minutes before you try again."
                              : phase.status == 429 || phase.rate_limit_reset >= 0
                                  ? "API rate limit exceeded for installation ID 1."
                                  : "Server Error";
        resp = github_error(phase.status, message);
        if (phase.rate_limit_reset >= 0) {
            auto reset =
                std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
                    .count() +
                phase.rate_limit_reset;
            resp.headers["x-ratelimit-limit"] = "5000";
            resp.headers["x-ratelimit-remaining"] = "0";
            resp.headers["x-ratelimit-used"] = "5000";
            resp.headers["x-ratelimit-reset"] = std::to_string(reset);
            resp.headers["x-ratelimit-resource"] = "core";
        }
    } else if (service == "slack") {
        resp = HttpResponse::text(phase.status,
                                  phase.status == 429 ? "rate_limited" : "internal_error");
    } else {
        resp = HttpResponse::text(
            phase.status,
            "<ErrorResponse><Error><Type>Receiver</Type><Code>" +
                std::string(phase.status == 429 ? "ThrottledException" : "InternalError") +
                "</Code></Error></ErrorResponse>");
        resp.content_type = "text/xml";
    }
    if (phase.retry_after > 0) resp.headers["Retry-After"] = std::to_string(phase.retry_after);
    if (--phase.count <= 0) phases.pop_front();
    return true;
}

HttpResponse FakeApis::control(const HttpRequest& req) {
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (!body.is_object()) return HttpResponse::text(400, "control bodies are JSON objects\n");
    const auto& path = req.path;
    if (path == "/_control/state" && req.method == "GET")
        return HttpResponse::json(200, state().dump());
    if (path == "/_control/fail") {
        // {"service": "github"|"slack"|"sns", "count", "status", "retry_after",
        //  "rate_limit_reset", "secondary"}; phases queue up in order.
        FailurePhase phase{body.value("count", 1), body.value("status", 500),
                           body.value("retry_after", 0), body.value("rate_limit_reset", -1),
                           body.value("secondary", false)};
        failures_[body.value("service", "github")].push_back(phase);
        return HttpResponse::json(200, "{}");
    }
    if (path == "/_control/reset") {
        failures_.clear();
        return HttpResponse::json(200, "{}");
    }
    if (path == "/_control/github") {
        // {"app_id", "public_key", "token_ttl_seconds", "tokens": [plain tokens accepted],
        //  "rate_limit": {"limit", "remaining", "reset_in"},
        //  "teams": {"org/team": [active logins] or {login: "active"|"pending"}}}
        if (body.contains("app_id")) app_id_ = body["app_id"].get<std::string>();
        if (body.contains("public_key")) app_key_pem_ = body["public_key"].get<std::string>();
        token_ttl_seconds_ = body.value("token_ttl_seconds", token_ttl_seconds_);
        for (const auto& t : body.value("tokens", json::array()))
            plain_tokens_.insert(t.get<std::string>());
        if (body.contains("teams") && body["teams"].is_object())
            for (const auto& [team, members] : body["teams"].items()) set_team(team, members);
        if (body.contains("rate_limit")) {
            const auto& r = body["rate_limit"];
            rate_.limit = r.value("limit", 5000LL);
            rate_.remaining = r.value("remaining", rate_.limit);
            rate_.reset = Clock::now() + std::chrono::seconds(r.value("reset_in", 3600));
        }
        return HttpResponse::json(200, "{}");
    }
    if (path == "/_control/github/forget-check-runs") {  // as if they were made elsewhere
        check_runs_.clear();
        return HttpResponse::json(200, "{}");
    }
    if (path == "/_control/github/expire-tokens") {
        for (auto& [token, issued] : issued_)
            issued.expires_at = Clock::now() - std::chrono::seconds(1);
        return HttpResponse::json(200, json{{"expired", issued_.size()}}.dump());
    }
    if (path == "/_control/aws") {
        // {"access_key_id", "secret_access_key"} to verify signatures; {"imds": {...}} to serve
        // instance credentials.
        if (body.contains("access_key_id"))
            aws_keys_[body["access_key_id"].get<std::string>()] =
                body.value("secret_access_key", "");
        if (body.contains("imds")) imds_credentials_ = body["imds"];
        return HttpResponse::json(200, "{}");
    }
    return github_error(404, "Not Found");
}

json FakeApis::state() const {
    json runs = json::array();
    for (const auto& [id, run] : check_runs_) {
        json r = run;
        r["history"] = check_history_.count(id) ? check_history_.at(id) : json::array();
        runs.push_back(r);
    }
    json comments = json::array();
    for (const auto& [id, c] : comments_) comments.push_back(c);
    json issued = json::array();
    for (const auto& [token, t] : issued_)
        issued.push_back(
            {{"installation", t.installation}, {"expired", t.expires_at <= Clock::now()}});
    return {{"check_runs", runs},
            {"comments", comments},
            {"slack", slack_messages_},
            {"sns", sns_messages_},
            {"tokens", issued},
            {"requests", requests_},
            {"github_rejections", github_rejections_},
            {"rate_limited", rate_limited_},
            {"team_membership_requests", team_membership_requests_}};
}

}  // namespace strata::fake
