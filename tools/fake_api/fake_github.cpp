// GitHub's REST API as far as Strata uses it: App JWTs and installation tokens, check runs,
// pull-request comments, rate-limit headers; with GitHub's checks of auth and request bodies.
#include <ctime>
#include <random>

#include "fake_apis.hpp"
#include "strata/jwt.hpp"
#include "strata/messages.hpp"

namespace strata::fake {
namespace {

const std::set<std::string> kStatuses = {"queued",  "in_progress", "completed",
                                         "waiting", "requested",   "pending"};
const std::set<std::string> kConclusions = {"action_required", "cancelled", "failure", "neutral",
                                            "success",         "skipped",   "stale",   "timed_out"};

long long seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
        .count();
}

std::string iso8601(Clock::time_point t) {
    std::time_t tt = Clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Characters as GitHub counts them (code points).
std::size_t chars(const std::string& s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

bool is_string(const json& j, const char* key) { return j.contains(key) && j[key].is_string(); }

bool http_url(const std::string& s) {
    return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// What GitHub checks of a check run body; "" when valid.
std::string invalid_check_run(const json& body, bool create) {
    if (!body.is_object()) return "Problems parsing JSON";
    if (create && (!is_string(body, "name") || body["name"].get<std::string>().empty()))
        return "name is missing";
    if (create) {
        if (!is_string(body, "head_sha")) return "head_sha is missing";
        auto sha = body["head_sha"].get<std::string>();
        if (sha.size() != 40 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
            return "No commit found for SHA: " + sha;
    }
    if (body.contains("status") &&
        (!body["status"].is_string() || !kStatuses.count(body["status"].get<std::string>())))
        return "invalid status";
    if (body.contains("conclusion") && (!body["conclusion"].is_string() ||
                                        !kConclusions.count(body["conclusion"].get<std::string>())))
        return "invalid conclusion";
    if (body.value("status", "") == "completed" && !body.contains("conclusion"))
        return "conclusion is required when status is completed";
    if (body.contains("details_url") &&
        (!body["details_url"].is_string() || !http_url(body["details_url"].get<std::string>())))
        return "details_url is not a valid URL";
    if (body.contains("external_id") && !body["external_id"].is_string())
        return "external_id is not a string";
    if (body.contains("output")) {
        const auto& out = body["output"];
        if (!out.is_object() || !is_string(out, "title") || !is_string(out, "summary"))
            return "output needs title and summary";
        if (chars(out["summary"].get<std::string>()) > 65535)
            return "output.summary is too long (maximum is 65535 characters)";
        if (out.contains("text") &&
            (!out["text"].is_string() || chars(out["text"].get<std::string>()) > 65535))
            return "output.text is too long (maximum is 65535 characters)";
        if (out.contains("annotations")) {
            if (!out["annotations"].is_array() || out["annotations"].size() > 50)
                return "output.annotations: at most 50 per request";
            for (const auto& a : out["annotations"]) {
                if (!is_string(a, "path") || !a.contains("start_line") || !a.contains("end_line") ||
                    !is_string(a, "message") || !is_string(a, "annotation_level"))
                    return "annotation needs path, start_line, end_line, annotation_level, message";
                auto level = a["annotation_level"].get<std::string>();
                if (level != "notice" && level != "warning" && level != "failure")
                    return "annotation_level must be notice, warning or failure";
            }
        }
    }
    if (body.contains("actions")) {
        if (!body["actions"].is_array() || body["actions"].size() > 3) return "at most 3 actions";
        for (const auto& a : body["actions"]) {
            if (!is_string(a, "label") || !is_string(a, "identifier") ||
                !is_string(a, "description"))
                return "an action needs label, identifier and description";
            if (chars(a["label"].get<std::string>()) > 20)
                return "action label too long (maximum is 20 characters)";
            if (chars(a["identifier"].get<std::string>()) > 20)
                return "action identifier too long (maximum is 20 characters)";
            if (chars(a["description"].get<std::string>()) > 40)
                return "action description too long (maximum is 40 characters)";
        }
    }
    return "";
}

// "/repos/acme/infra/check-runs/7" -> {"acme/infra", "check-runs/7"}
bool split_repo_path(const std::string& path, std::string& repo, std::string& rest) {
    const std::string prefix = "/repos/";
    if (path.rfind(prefix, 0) != 0) return false;
    auto owner_end = path.find('/', prefix.size());
    if (owner_end == std::string::npos) return false;
    auto repo_end = path.find('/', owner_end + 1);
    repo = path.substr(prefix.size(), repo_end == std::string::npos ? std::string::npos
                                                                    : repo_end - prefix.size());
    rest = repo_end == std::string::npos ? "" : path.substr(repo_end + 1);
    return true;
}

std::string query_value(const std::string& query, const std::string& name) {
    for (std::size_t start = 0; start <= query.size();) {
        auto end = query.find('&', start);
        auto pair = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? query.size() + 1 : end + 1;
        if (pair.rfind(name + "=", 0) != 0) continue;
        std::string raw = pair.substr(name.size() + 1), out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                out += raw[i] == '+' ? ' ' : raw[i];
            }
        }
        return out;
    }
    return "";
}

}  // namespace

std::string FakeApis::github_authenticate(const HttpRequest& req, bool app_endpoint,
                                          HttpResponse& refusal) {
    auto auth = req.header("authorization");
    std::string credential;
    if (auth.rfind("Bearer ", 0) == 0)
        credential = auth.substr(7);
    else if (auth.rfind("token ", 0) == 0)
        credential = auth.substr(6);
    auto refuse = [&](int status, const std::string& why) {
        refusal = github_error(status, why);
        github_rejections_.push_back(req.method + " " + req.path + ": " + why);
        return std::string();
    };
    if (credential.empty()) return refuse(401, "Requires authentication");
    bool is_jwt = std::count(credential.begin(), credential.end(), '.') == 2;
    if (app_endpoint) {
        if (!is_jwt) return refuse(401, "A JSON web token could not be decoded");
        Result<std::string> claims = make_error("unverified");
        if (!app_key_pem_.empty()) {
            claims = jwt::verify_rs256(credential, app_key_pem_);
        } else {
            auto payload = credential.substr(credential.find('.') + 1);
            claims = jwt::base64url_decode(payload.substr(0, payload.find('.')));
        }
        if (!claims)
            return refuse(401,
                          "A JSON web token could not be decoded (" + claims.error().message + ")");
        auto c = json::parse(*claims, nullptr, false);
        if (!c.is_object() || !c.contains("iat") || !c.contains("exp") || !c.contains("iss") ||
            !c["iat"].is_number_integer() || !c["exp"].is_number_integer())
            return refuse(401,
                          "A JSON web token could not be decoded (iat, exp and iss are required)");
        auto now = seconds_now();
        auto iat = c["iat"].get<long long>(), exp = c["exp"].get<long long>();
        if (exp <= now)
            return refuse(401,
                          "'Expiration time' claim ('exp') must be a numeric value representing "
                          "the future time at which the assertion expires");
        if (exp - now > 600 + 30)
            return refuse(401, "'Expiration time' claim ('exp') is too far in the future");
        if (iat > now + 60)
            return refuse(401,
                          "'Issued at' claim ('iat') must be an Integer representing the time that "
                          "the assertion was issued");
        std::string iss = c["iss"].is_string() ? c["iss"].get<std::string>() : c["iss"].dump();
        if (!app_id_.empty() && iss != app_id_) return refuse(401, "Integration not found");
        return "app";
    }
    if (is_jwt) return refuse(401, "A JSON web token is only accepted by /app endpoints");
    if (credential.rfind("ghs_", 0) == 0) {
        auto it = issued_.find(credential);
        if (it == issued_.end() || it->second.expires_at <= Clock::now())
            return refuse(401, "Bad credentials");
        return "installation:" + std::to_string(it->second.installation);
    }
    if (!plain_tokens_.empty() && !plain_tokens_.count(credential))
        return refuse(401, "Bad credentials");
    return "token";
}

void FakeApis::add_rate_limit_headers(HttpResponse& resp) {
    auto reset =
        std::chrono::duration_cast<std::chrono::seconds>(rate_.reset.time_since_epoch()).count();
    resp.headers["x-ratelimit-limit"] = std::to_string(rate_.limit);
    resp.headers["x-ratelimit-remaining"] = std::to_string(rate_.remaining);
    resp.headers["x-ratelimit-used"] = std::to_string(rate_.limit - rate_.remaining);
    resp.headers["x-ratelimit-reset"] = std::to_string(reset);
    resp.headers["x-ratelimit-resource"] = "core";
}

HttpResponse FakeApis::github(const HttpRequest& req) {
    HttpResponse resp;
    if (inject_failure("github", resp)) return resp;
    std::string repo, rest;
    bool repo_path = split_repo_path(req.path, repo, rest);
    bool app_endpoint = req.path.rfind("/app/", 0) == 0 || (repo_path && rest == "installation");
    HttpResponse refusal;
    auto who = github_authenticate(req, app_endpoint, refusal);
    if (who.empty()) return refusal;
    if (app_endpoint) return github_routes(req, who);
    if (Clock::now() >= rate_.reset) {
        rate_.remaining = rate_.limit;
        rate_.reset = Clock::now() + std::chrono::hours(1);
    }
    if (rate_.remaining == 0) {
        ++rate_limited_;
        resp = github_error(403, "API rate limit exceeded for installation ID 1.");
    } else {
        --rate_.remaining;
        resp = github_routes(req, who);
    }
    add_rate_limit_headers(resp);
    return resp;
}

HttpResponse FakeApis::github_routes(const HttpRequest& req, const std::string& who) {
    (void)who;
    const std::string tokens_suffix = "/access_tokens";
    if (req.method == "POST" && req.path.rfind("/app/installations/", 0) == 0 &&
        req.path.size() > tokens_suffix.size() &&
        req.path.compare(req.path.size() - tokens_suffix.size(), tokens_suffix.size(),
                         tokens_suffix) == 0) {
        auto id_text = req.path.substr(19, req.path.size() - 19 - tokens_suffix.size());
        if (id_text.empty() || id_text.find_first_not_of("0123456789") != std::string::npos)
            return github_error(404, "Not Found");
        static std::mt19937_64 random{std::random_device{}()};
        std::string token = "ghs_";
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < 36; ++i) token += alphabet[random() % 62];
        auto expires = Clock::now() + std::chrono::seconds(token_ttl_seconds_);
        issued_[token] = {std::stoll(id_text), expires};
        return HttpResponse::json(
            201, json{{"token", token},
                      {"expires_at", iso8601(expires)},
                      {"permissions", {{"checks", "write"}, {"pull_requests", "write"}}},
                      {"repository_selection", "all"}}
                     .dump());
    }
    if (HttpResponse teams; team_membership(req, teams)) return teams;
    std::string repo, rest;
    if (!split_repo_path(req.path, repo, rest)) return github_error(404, "Not Found");
    if (rest == "installation" && req.method == "GET")
        return HttpResponse::json(200, json{{"id", 1}, {"app_id", app_id_}}.dump());
    if (rest.rfind("check-runs", 0) == 0) return check_runs(req, repo, rest.substr(10));
    // commits/{sha}/check-runs
    if (rest.rfind("commits/", 0) == 0 && req.method == "GET") {
        auto sha_end = rest.find('/', 8);
        if (sha_end == std::string::npos || rest.substr(sha_end) != "/check-runs")
            return github_error(404, "Not Found");
        auto sha = rest.substr(8, sha_end - 8);
        auto name = query_value(req.query, "check_name");
        json runs = json::array();
        for (const auto& [id, run] : check_runs_)
            if (run.value("repo", "") == repo && run.value("head_sha", "") == sha &&
                (name.empty() || run.value("name", "") == name))
                runs.push_back(run);
        return HttpResponse::json(200,
                                  json{{"total_count", runs.size()}, {"check_runs", runs}}.dump());
    }
    if (rest.rfind("issues/", 0) == 0) return issue_comments(req, repo, rest.substr(7));
    return github_error(404, "Not Found");
}

void FakeApis::timeline(const json& run) {
    if (!timeline_.is_open()) return;
    timeline_ << now_rfc3339() << "  " << run.value("name", "") << "  " << run.value("status", "")
              << (run.contains("conclusion") ? "/" + run["conclusion"].get<std::string>() : "")
              << std::endl;
}

HttpResponse FakeApis::check_runs(const HttpRequest& req, const std::string& repo,
                                  const std::string& rest) {
    json body = json::parse(req.body, nullptr, false);
    auto remember = [&](long long id, const json& run) {
        check_history_[id].push_back(
            {{"status", run.value("status", "")},
             {"conclusion", run.value("conclusion", "")},
             {"title", run.contains("output") ? run["output"].value("title", "") : ""}});
        timeline(run);
    };
    if (req.method == "POST" && rest.empty()) {
        if (auto bad = invalid_check_run(body, true); !bad.empty()) {
            github_rejections_.push_back("POST check run: " + bad);
            return github_error(422, bad);
        }
        long long run_id = next_id_++;
        body["id"] = run_id;
        body["repo"] = repo;
        body["html_url"] = "https://github.com/" + repo + "/runs/" + std::to_string(run_id);
        if (!body.contains("status")) body["status"] = "queued";
        if (body.contains("conclusion")) body["status"] = "completed";
        check_runs_[run_id] = body;
        remember(run_id, body);
        return HttpResponse::json(201, body.dump());
    }
    if (rest.size() < 2 || rest[0] != '/') return github_error(404, "Not Found");
    long long run_id = std::atoll(rest.c_str() + 1);
    auto it = check_runs_.find(run_id);
    if (it == check_runs_.end() || it->second.value("repo", "") != repo)
        return github_error(404, "Not Found");
    if (req.method == "GET") return HttpResponse::json(200, it->second.dump());
    if (req.method != "PATCH") return github_error(404, "Not Found");
    if (auto bad = invalid_check_run(body, false); !bad.empty()) {
        github_rejections_.push_back("PATCH check run: " + bad);
        return github_error(422, bad);
    }
    json& run = it->second;
    for (auto& [k, v] : body.items()) run[k] = v;
    if (body.contains("conclusion")) run["status"] = "completed";
    if (run.value("status", "") != "completed") run.erase("conclusion");
    remember(run_id, run);
    return HttpResponse::json(200, run.dump());
}

HttpResponse FakeApis::issue_comments(const HttpRequest& req, const std::string& repo,
                                      const std::string& rest) {
    json body = json::parse(req.body, nullptr, false);
    auto valid_body = [&](std::string& why) {
        if (!body.is_object() || !is_string(body, "body"))
            why = "body is missing";
        else if (chars(body["body"].get<std::string>()) > 65536)
            why = "Body is too long (maximum is 65536 characters)";
        else
            return true;
        github_rejections_.push_back(req.method + " comment: " + why);
        return false;
    };
    std::string why;
    // {number}/comments
    auto slash = rest.find('/');
    if (slash != std::string::npos && rest.substr(slash) == "/comments" &&
        rest.substr(0, slash).find_first_not_of("0123456789") == std::string::npos) {
        std::string issue = repo + "#" + rest.substr(0, slash);
        if (req.method == "GET") {
            json list = json::array();
            for (const auto& [id, c] : comments_)
                if (c["issue"] == issue) list.push_back(c);
            return HttpResponse::json(200, list.dump());
        }
        if (req.method != "POST") return github_error(404, "Not Found");
        if (!valid_body(why)) return github_error(422, why);
        long long id = next_id_++;
        comments_[id] = {
            {"id", id},
            {"issue", issue},
            {"body", body["body"]},
            {"html_url", "https://github.com/" + repo + "/pull/" + rest.substr(0, slash) +
                             "#issuecomment-" + std::to_string(id)}};
        return HttpResponse::json(201, comments_[id].dump());
    }
    // comments/{id}
    if (rest.rfind("comments/", 0) != 0) return github_error(404, "Not Found");
    long long id = std::atoll(rest.c_str() + 9);
    auto it = comments_.find(id);
    if (it == comments_.end() || it->second["issue"].get<std::string>().rfind(repo + "#", 0) != 0)
        return github_error(404, "Not Found");
    if (req.method == "DELETE") {
        comments_.erase(it);
        return HttpResponse::text(204, "");
    }
    if (req.method != "PATCH") return github_error(404, "Not Found");
    if (!valid_body(why)) return github_error(422, why);
    it->second["body"] = body["body"];
    return HttpResponse::json(200, it->second.dump());
}

}  // namespace strata::fake
