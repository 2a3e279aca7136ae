// Whether a GitHub user is an active member of a team, for reviewer lists that name teams
// ("acme/platform"): GET {api}/orgs/{org}/teams/{team_slug}/memberships/{username}. 200 with
// "state": "active" is a member; 200 with another state (pending invitation) and 404 are not;
// anything else (a transport error, 401/403, 5xx, an unreadable answer) is an error, never a
// verdict, and is not cached. Verdicts are cached in memory for `ttl` (a cache only: losing it
// on a restart costs one more request; nothing here is state Redis must have).
//
// Loop thread only; callbacks run on the loop, once each.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/github_auth.hpp"
#include "strata/http_client.hpp"
#include "strata/loop.hpp"
#include "strata/payloads.hpp"

namespace strata::scheduler {

// "org/team-slug" (one '/', both parts non-empty), as written in a reviewers list.
bool is_team(const std::string& reviewer);

// What the review script is told about one team: "member", "not_member", or "error: <why>".
using TeamVerdicts = std::map<std::string, std::string>;  // lower-cased team -> verdict

// Cached verdicts. Plain logic with the time passed in.
class MembershipCache {
public:
    explicit MembershipCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}
    std::optional<bool> get(const std::string& team, const std::string& user,
                            std::chrono::steady_clock::time_point now) const;
    void put(const std::string& team, const std::string& user, bool member,
             std::chrono::steady_clock::time_point now);

private:
    struct Entry {
        bool member;
        std::chrono::steady_clock::time_point at;
    };
    std::chrono::milliseconds ttl_;
    std::map<std::pair<std::string, std::string>, Entry> entries_;  // lower-cased keys
};

// GitHub's answer to a membership request -> true (member), false (not), or an error.
Result<bool> membership_from(const HttpClientResponse& response);

class TeamMembership {
public:
    using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;
    TeamMembership(Loop& loop, github::GitHubAuth& auth, std::chrono::milliseconds ttl,
                   SteadyClock clock = {});
    ~TeamMembership();
    TeamMembership(const TeamMembership&) = delete;
    TeamMembership& operator=(const TeamMembership&) = delete;

    // A verdict for each team (teams are "org/slug"; the App installation is the one of
    // `repo`). done runs once, after every team has its verdict.
    void check(const RepoRef& repo, const std::vector<std::string>& teams, const std::string& user,
               std::function<void(TeamVerdicts)> done);

    long long requests() const { return requests_; }

private:
    void ask(const RepoRef& repo, const std::string& team, const std::string& user,
             std::function<void(std::string)> done);

    github::GitHubAuth& auth_;
    MembershipCache cache_;
    SteadyClock clock_;
    std::unique_ptr<HttpClient> http_;
    long long requests_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::scheduler
