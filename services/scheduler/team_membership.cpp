#include "team_membership.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "strata/log.hpp"

namespace strata::scheduler {
namespace {

using nlohmann::json;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Logins, organisations and team slugs: letters, digits, '-', '_', '.'; nothing that would
// change the URL's path.
bool path_safe(const std::string& s) {
    return !s.empty() && s != "." && s != ".." &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == '.';
           });
}

}  // namespace

bool is_team(const std::string& reviewer) {
    auto slash = reviewer.find('/');
    return slash != std::string::npos && slash > 0 && slash + 1 < reviewer.size() &&
           reviewer.find('/', slash + 1) == std::string::npos;
}

std::optional<bool> MembershipCache::get(const std::string& team, const std::string& user,
                                         std::chrono::steady_clock::time_point now) const {
    auto it = entries_.find({lower(team), lower(user)});
    if (it == entries_.end() || now - it->second.at >= ttl_) return std::nullopt;
    return it->second.member;
}

void MembershipCache::put(const std::string& team, const std::string& user, bool member,
                          std::chrono::steady_clock::time_point now) {
    // Drop expired entries now and then, so the map stays as small as the live answers.
    if (entries_.size() >= 1024)
        std::erase_if(entries_, [&](const auto& e) { return now - e.second.at >= ttl_; });
    entries_[{lower(team), lower(user)}] = {member, now};
}

Result<bool> membership_from(const HttpClientResponse& r) {
    if (r.status == 404) return false;
    auto body = json::parse(r.body, nullptr, false);
    std::string said;
    if (body.is_object() && body.contains("message") && body["message"].is_string())
        said = ": " + body["message"].get<std::string>();
    if (r.status != 200) return make_error("GitHub answered " + std::to_string(r.status) + said);
    if (!body.is_object() || !body.contains("state") || !body["state"].is_string())
        return make_error("GitHub's answer has no membership state");
    return body["state"].get<std::string>() == "active";
}

TeamMembership::TeamMembership(Loop& loop, github::GitHubAuth& auth, std::chrono::milliseconds ttl,
                               SteadyClock clock)
    : auth_(auth),
      cache_(ttl),
      clock_(clock ? std::move(clock)
                   : SteadyClock([] { return std::chrono::steady_clock::now(); })),
      http_(std::make_unique<HttpClient>(loop)) {}

TeamMembership::~TeamMembership() { *alive_ = false; }

void TeamMembership::check(const RepoRef& repo, const std::vector<std::string>& teams,
                           const std::string& user, std::function<void(TeamVerdicts)> done) {
    struct Pending {
        TeamVerdicts verdicts;
        std::size_t left = 0;
        std::function<void(TeamVerdicts)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    std::vector<std::string> unique;
    for (const auto& team : teams)
        if (std::find(unique.begin(), unique.end(), lower(team)) == unique.end())
            unique.push_back(lower(team));
    pending->left = unique.size();
    if (unique.empty()) return pending->done({});
    for (const auto& team : unique)
        ask(repo, team, user, [pending, team](std::string verdict) {
            pending->verdicts[team] = std::move(verdict);
            if (--pending->left == 0) pending->done(std::move(pending->verdicts));
        });
}

void TeamMembership::ask(const RepoRef& repo, const std::string& team, const std::string& user,
                         std::function<void(std::string)> done) {
    auto verdict = [](bool member) { return std::string(member ? "member" : "not_member"); };
    if (auto cached = cache_.get(team, user, clock_())) return done(verdict(*cached));
    auto slash = team.find('/');
    auto org = team.substr(0, slash), slug = team.substr(slash + 1);
    if (!path_safe(org) || !path_safe(slug)) return done("error: '" + team + "' is not org/team");
    if (!path_safe(user)) return done("not_member");  // not a GitHub login
    auth_.authorization(
        repo.full_name, repo.installation_id,
        [this, alive = alive_, repo, team, org, slug, user, verdict,
         done = std::move(done)](Result<std::string> header) {
            if (!*alive) return;
            if (!header) return done("error: " + header.error().message);
            HttpClientRequest req;
            req.url = auth_.api_url() + "/orgs/" + org + "/teams/" + slug + "/memberships/" + user;
            req.headers = {{"Accept", "application/vnd.github+json"},
                           {"Authorization", *header},
                           {"X-GitHub-Api-Version", "2022-11-28"},
                           {"User-Agent", "strata-scheduler"}};
            ++requests_;
            http_->send(std::move(req), [this, alive, repo, team, user, verdict, header = *header,
                                         done](Result<HttpClientResponse> r) {
                if (!*alive) return;
                const std::string what = "checking whether " + user + " is a member of " + team;
                if (!r) {
                    log::warn("team membership", {{"error", r.error().message}});
                    return done("error: " + r.error().context(what).message);
                }
                if (r->status == 401) auth_.rejected(repo.full_name, repo.installation_id, header);
                auto member = membership_from(*r);
                if (!member) {
                    log::warn("team membership",
                              {{"team", team}, {"error", member.error().message}});
                    return done("error: " + member.error().context(what).message);
                }
                cache_.put(team, user, *member, clock_());
                done(verdict(*member));
            });
        });
}

}  // namespace strata::scheduler
