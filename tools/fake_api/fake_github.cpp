#include "fake_github.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "strata/messages.hpp"

namespace strata::fake {
namespace {

using nlohmann::json;

const std::set<std::string> kStatuses = {"queued",  "in_progress", "completed",
                                         "waiting", "requested",   "pending"};
const std::set<std::string> kConclusions = {"action_required", "cancelled", "failure", "neutral",
                                            "success",         "skipped",   "stale",   "timed_out"};

HttpResponse error(int status, const std::string& message) {
    return HttpResponse::json(
        status,
        json{{"message", message}, {"documentation_url", "https://docs.github.com/rest"}}.dump());
}

// What GitHub checks of a check run body; "" when valid.
std::string invalid_check_run(const json& body, bool create) {
    if (!body.is_object()) return "Problems parsing JSON";
    if (create && (!body.contains("name") || !body["name"].is_string())) return "name is missing";
    if (create && (!body.contains("head_sha") || !body["head_sha"].is_string()))
        return "head_sha is missing";
    if (body.contains("status") && !kStatuses.count(body["status"].get<std::string>()))
        return "invalid status";
    if (body.contains("conclusion") && !kConclusions.count(body["conclusion"].get<std::string>()))
        return "invalid conclusion";
    if (body.value("status", "") == "completed" && !body.contains("conclusion"))
        return "conclusion is required when status is completed";
    if (body.contains("output")) {
        const auto& out = body["output"];
        if (!out.contains("title") || !out.contains("summary"))
            return "output needs title and summary";
        if (out["summary"].get<std::string>().size() > 65535) return "output.summary is too long";
    }
    if (body.contains("actions")) {
        if (body["actions"].size() > 3) return "at most 3 actions";
        for (const auto& a : body["actions"]) {
            if (a.value("label", "").size() > 20) return "action label too long";
            if (a.value("identifier", "").size() > 20) return "action identifier too long";
            if (a.value("description", "").size() > 40) return "action description too long";
        }
    }
    return "";
}

}  // namespace

FakeApis::FakeApis(const std::string& record_path, const std::string& timeline_path)
    : record_(record_path, std::ios::app) {
    if (!timeline_path.empty()) timeline_.open(timeline_path, std::ios::app);
}

HttpResponse FakeApis::handle(const HttpRequest& req) {
    HttpResponse resp;
    if (req.path.rfind("/_control/", 0) == 0)
        resp = control(req);
    else if (req.path.rfind("/slack/", 0) == 0 || req.path == "/api/chat.postMessage")
        resp = slack(req);
    else if (req.path.rfind("/sns", 0) == 0)
        resp = sns(req);
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

HttpResponse FakeApis::control(const HttpRequest& req) {
    json body = json::parse(req.body, nullptr, false);
    if (req.path == "/_control/fail" && body.is_object()) {
        fail_count_ = body.value("count", 1);
        fail_status_ = body.value("status", 500);
        retry_after_ = body.value("retry_after", 0);
        return HttpResponse::json(200, "{}");
    }
    return error(404, "Not Found");
}

HttpResponse FakeApis::github(const HttpRequest& req) {
    const auto& auth = req.header("authorization");
    if (auth.rfind("Bearer ", 0) != 0 && auth.rfind("token ", 0) != 0)
        return error(401, "Requires authentication");
    if (fail_count_ > 0) {
        --fail_count_;
        auto r =
            error(fail_status_, fail_status_ == 429 ? "API rate limit exceeded" : "Server Error");
        if (retry_after_ > 0) r.headers["Retry-After"] = std::to_string(retry_after_);
        return r;
    }
    // /repos/{owner}/{repo}/check-runs[/{id}]
    const std::string prefix = "/repos/";
    auto marker = req.path.find("/check-runs");
    if (req.path.rfind(prefix, 0) == 0 && marker != std::string::npos) {
        std::string repo = req.path.substr(prefix.size(), marker - prefix.size());
        std::string rest = req.path.substr(marker + 11);
        return check_runs(req, repo, rest.empty() ? "" : rest.substr(1));
    }
    // /app/installations/{id}/access_tokens
    if (req.method == "POST" && req.path.rfind("/app/installations/", 0) == 0 &&
        req.path.size() > 14 && req.path.substr(req.path.size() - 14) == "/access_tokens") {
        return HttpResponse::json(201, json{{"token", "ghs_fake" + std::to_string(next_id_++)},
                                            {"expires_at", "2099-01-01T00:00:00Z"}}
                                           .dump());
    }
    return error(404, "Not Found");
}

HttpResponse FakeApis::check_runs(const HttpRequest& req, const std::string& repo,
                                  const std::string& id) {
    json body = json::parse(req.body, nullptr, false);
    if (req.method == "POST" && id.empty()) {
        if (auto bad = invalid_check_run(body, true); !bad.empty()) return error(422, bad);
        long long run_id = next_id_++;
        body["id"] = run_id;
        body["html_url"] = "https://github.com/" + repo + "/runs/" + std::to_string(run_id);
        if (!body.contains("status")) body["status"] = "queued";
        check_runs_[run_id] = body.dump();
        if (timeline_.is_open())
            timeline_ << now_rfc3339() << "  " << body["name"].get<std::string>() << "  "
                      << body["status"].get<std::string>()
                      << (body.contains("conclusion") ? "/" + body["conclusion"].get<std::string>()
                                                      : "")
                      << std::endl;
        return HttpResponse::json(201, body.dump());
    }
    long long run_id = id.empty() ? 0 : std::atoll(id.c_str());
    auto it = check_runs_.find(run_id);
    if (it == check_runs_.end()) return error(404, "Not Found");
    if (req.method == "GET") return HttpResponse::json(200, it->second);
    if (req.method != "PATCH") return error(404, "Not Found");
    if (auto bad = invalid_check_run(body, false); !bad.empty()) return error(422, bad);
    json run = json::parse(it->second);
    for (auto& [k, v] : body.items()) run[k] = v;
    if (run.value("status", "") != "completed") run.erase("conclusion");
    it->second = run.dump();
    if (timeline_.is_open())
        timeline_ << now_rfc3339() << "  " << run["name"].get<std::string>() << "  "
                  << run["status"].get<std::string>()
                  << (run.contains("conclusion") ? "/" + run["conclusion"].get<std::string>() : "")
                  << std::endl;
    return HttpResponse::json(200, run.dump());
}

HttpResponse FakeApis::slack(const HttpRequest& req) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || (!body.contains("text") && !body.contains("blocks")))
        return HttpResponse::text(400, "invalid_payload");
    if (req.path == "/api/chat.postMessage")
        return HttpResponse::json(200, json{{"ok", true}, {"ts", now_rfc3339()}}.dump());
    return HttpResponse::text(200, "ok");
}

HttpResponse FakeApis::sns(const HttpRequest& req) {
    const auto& auth = req.header("authorization");
    if (auth.rfind("AWS4-HMAC-SHA256 Credential=", 0) != 0 || req.header("x-amz-date").empty())
        return HttpResponse::text(403,
                                  "<ErrorResponse><Error><Code>MissingAuthenticationToken</Code></"
                                  "Error></ErrorResponse>");
    auto r = HttpResponse::text(
        200,
        "<PublishResponse "
        "xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>" +
            new_uuid() + "</MessageId></PublishResult></PublishResponse>");
    r.content_type = "text/xml";
    return r;
}

}  // namespace strata::fake
