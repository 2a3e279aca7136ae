// GitHub's team memberships: GET /orgs/{org}/teams/{team_slug}/memberships/{username}, as GitHub
// answers it: 200 {"url", "role", "state"} with state "active" or "pending" for a member or an
// invited user, 404 "Not Found" for anyone else and for a team that does not exist. Teams come
// from --github-teams or POST /_control/github {"teams": {...}}; names compare without case, as
// GitHub's do.
#include <algorithm>
#include <cctype>

#include "fake_apis.hpp"

namespace strata::fake {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

void FakeApis::set_team(const std::string& team, const json& members) {
    auto& m = teams_[lower(team)];
    m.clear();
    if (members.is_array()) {
        for (const auto& login : members)
            if (login.is_string()) m[lower(login.get<std::string>())] = "active";
    } else if (members.is_object()) {
        for (const auto& [login, state] : members.items())
            if (state.is_string()) m[lower(login)] = state.get<std::string>();
    }
}

Result<void> FakeApis::set_teams_from_flag(const std::string& text) {
    // "acme/sre=alice,bob;acme/ops=carol"
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(';', start);
        if (end == std::string::npos) end = text.size();
        auto rule = text.substr(start, end - start);
        start = end + 1;
        if (rule.empty()) continue;
        auto eq = rule.find('=');
        if (eq == std::string::npos || rule.find('/') > eq)
            return make_error("--github-teams: '" + rule + "' is not org/team=login,...");
        json members = json::array();
        std::size_t from = eq + 1;
        while (from <= rule.size()) {
            auto comma = rule.find(',', from);
            if (comma == std::string::npos) comma = rule.size();
            if (comma > from) members.push_back(rule.substr(from, comma - from));
            from = comma + 1;
        }
        set_team(rule.substr(0, eq), members);
    }
    return {};
}

// path: /orgs/{org}/teams/{slug}/memberships/{username}; false when it is not that shape.
bool FakeApis::team_membership(const HttpRequest& req, HttpResponse& resp) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= req.path.size()) {
        auto end = req.path.find('/', start);
        if (end == std::string::npos) end = req.path.size();
        parts.push_back(req.path.substr(start, end - start));
        start = end + 1;
    }
    if (parts.size() != 6 || parts[0] != "orgs" || parts[2] != "teams" || parts[4] != "memberships")
        return false;
    ++team_membership_requests_;
    if (req.method != "GET") {
        resp = github_error(404, "Not Found");
        return true;
    }
    auto team = teams_.find(lower(parts[1] + "/" + parts[3]));
    if (team == teams_.end() || !team->second.count(lower(parts[5]))) {
        resp = github_error(404, "Not Found");
        return true;
    }
    const auto& state = team->second.at(lower(parts[5]));
    resp = HttpResponse::json(
        200, json{{"url", "https://api.github.com/teams/1/memberships/" + parts[5]},
                  {"role", "member"},
                  {"state", state}}
                 .dump());
    return true;
}

}  // namespace strata::fake
