#include "scheduler_config.hpp"

#include <algorithm>
#include <cctype>

#include "strata/glob.hpp"

namespace strata::scheduler {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, std::string_view seps) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = s.find_first_of(seps, start);
        if (end == std::string_view::npos) end = s.size();
        auto part = trim(s.substr(start, end - start));
        if (!part.empty()) out.push_back(part);
        start = end + 1;
    }
    return out;
}

Result<bool> parse_bool(std::string_view v) {
    if (v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    return make_error("'" + std::string(v) + "' is not true or false");
}

}  // namespace

Result<PolicyTable::Rule> PolicyTable::parse_rule(std::string_view line) {
    auto words = split(line, " \t");
    Rule rule;
    auto pattern = words.front();
    auto bars = pattern.find("||");
    if (bars == std::string_view::npos)
        return make_error("'" + std::string(pattern) + "' is not <repo glob>||<root glob>");
    rule.repo_glob = std::string(pattern.substr(0, bars));
    rule.root_glob = std::string(pattern.substr(bars + 2));
    for (const auto& glob : {rule.repo_glob, rule.root_glob})
        if (auto ok = validate_glob(glob); !ok) return ok.error();
    for (std::size_t i = 1; i < words.size(); ++i) {
        auto eq = words[i].find('=');
        if (eq == std::string_view::npos)
            return make_error("'" + std::string(words[i]) + "' is not key=value");
        auto key = words[i].substr(0, eq);
        auto value = words[i].substr(eq + 1);
        auto bad = [&](const std::string& why) {
            return make_error(std::string(key) + ": " + why);
        };
        if (key == "approvers") {
            int n = 0;
            for (char c : value) {
                if (!std::isdigit(static_cast<unsigned char>(c)) || n > 100)
                    return bad("'" + std::string(value) + "' is not a count from 1 to 100");
                n = n * 10 + (c - '0');
            }
            if (n < 1 || n > 100) return bad("must be from 1 to 100");
            rule.approvers = n;
        } else if (key == "reviewers") {
            std::vector<std::string> users;
            for (auto user : split(value, ",")) {
                auto slash = user.find('/');
                if (slash != std::string_view::npos &&
                    (slash == 0 || slash + 1 == user.size() ||
                     user.find('/', slash + 1) != std::string_view::npos))
                    return bad("'" + std::string(user) + "' is neither a user nor org/team");
                users.emplace_back(user);
            }
            rule.reviewers = std::move(users);
        } else if (key == "review_timeout" || key == "queue_expiry") {
            auto d = parse_duration(value);
            if (!d) return bad(d.error().message);
            (key == "review_timeout" ? rule.review_timeout : rule.queue_expiry) = *d;
        } else if (key == "coalesce" || key == "allow_review_waiver") {
            auto b = parse_bool(value);
            if (!b) return bad(b.error().message);
            (key == "coalesce" ? rule.coalesce : rule.allow_review_waiver) = *b;
        } else {
            return make_error("unknown key '" + std::string(key) + "'");
        }
    }
    return rule;
}

Result<PolicyTable> PolicyTable::parse(std::string_view text, RootPolicy defaults) {
    PolicyTable table;
    table.defaults_ = std::move(defaults);
    for (auto line : split(text, "\n;")) {
        if (line.front() == '#') continue;
        auto rule = parse_rule(line);
        if (!rule) return rule.error().context("root policy '" + std::string(line) + "'");
        table.rules_.push_back(std::move(*rule));
    }
    return table;
}

RootPolicy PolicyTable::for_root(std::string_view repo, std::string_view root) const {
    RootPolicy p = defaults_;
    bool approvers = false, reviewers = false, review = false, expiry = false, coalesce = false,
         waiver = false;
    for (const auto& r : rules_) {
        if (!glob_match(r.repo_glob, repo) || !glob_match(r.root_glob, root)) continue;
        if (r.approvers && !std::exchange(approvers, true)) p.approvers_required = *r.approvers;
        if (r.reviewers && !std::exchange(reviewers, true)) p.reviewers = *r.reviewers;
        if (r.review_timeout && !std::exchange(review, true)) p.review_timeout = *r.review_timeout;
        if (r.queue_expiry && !std::exchange(expiry, true)) p.queue_expiry = *r.queue_expiry;
        if (r.coalesce && !std::exchange(coalesce, true)) p.coalesce_merges = *r.coalesce;
        if (r.allow_review_waiver && !std::exchange(waiver, true))
            p.allow_review_waiver = *r.allow_review_waiver;
    }
    return p;
}

namespace {

bool same_login(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
        return std::tolower(x) == std::tolower(y);
    });
}

}  // namespace

EffectivePolicy effective_policy(const RootPolicy& operator_policy, const DeployRequested& r) {
    EffectivePolicy e;
    e.policy = operator_policy;
    e.apply_enabled = r.apply_enabled;
    e.apply_timeout = r.apply_timeout;
    std::vector<std::string> notes;
    if (r.review_required == "always") {
        e.review = "always";
    } else if (r.review_required == "never") {
        if (operator_policy.allow_review_waiver)
            e.review = "never";
        else
            notes.push_back(
                "strata.yaml's review.required: never was ignored: the operator's policy for this "
                "root does not allow waiving review");
    }
    if (!r.reviewers.empty()) {
        if (operator_policy.reviewers.empty()) {
            e.policy.reviewers = r.reviewers;
        } else {
            std::vector<std::string> both;
            for (const auto& who : operator_policy.reviewers)
                if (std::any_of(r.reviewers.begin(), r.reviewers.end(),
                                [&](const std::string& w) { return same_login(w, who); }))
                    both.push_back(who);
            if (both.empty())
                notes.push_back(
                    "strata.yaml's review.reviewers names none of the operator's reviewers for "
                    "this root; the operator's apply");
            else
                e.policy.reviewers = std::move(both);
        }
    }
    for (const auto& n : notes) e.note += (e.note.empty() ? "" : "; ") + n;
    return e;
}

bool PolicyTable::names_teams() const {
    for (const auto& r : rules_)
        if (r.reviewers)
            for (const auto& who : *r.reviewers)
                if (who.find('/') != std::string::npos) return true;
    return false;
}

std::vector<OptionSpec> scheduler_option_specs() {
    std::vector<OptionSpec> specs = {
        {"log_url_base", "", "URL prefix of the live log page; the deployment id is appended"},
        {"lease_timeout", "60s", "an executor lease not renewed for this long is lost"},
        {"sweep_interval", "5s",
         "how often lost leases, review deadlines and expiries are checked"},
        {"outbox_grace", "10s", "outbox entries older than this are published again"},
        {"max_plan_attempts", "3", "dispatches of a plan whose executor was lost, at most"},
        {"review_timeout", "7d", "a plan not confirmed or rejected in this time is rejected"},
        {"queue_expiry", "7d", "a deployment queued this long is skipped (0: never)"},
        {"root_policies", "",
         "per-root review and queue rules: '<repo glob>||<root glob> key=value ...' per line "
         "or ';' (keys: approvers, reviewers, review_timeout, queue_expiry, coalesce, "
         "allow_review_waiver)"},
        {"team_membership_cache", "60s",
         "how long a GitHub team membership answer (reviewers that are org/team) is reused"},
    };
    // GitHub: only to check the team membership of reviewers.
    auto github = github::auth_option_specs();
    specs.insert(specs.end(), github.begin(), github.end());
    return specs;
}

Result<SchedulerSettings> settings_from(const Config& config) {
    SchedulerSettings s;
    s.redis_prefix = config.get("redis_prefix");
    s.log_url_base = config.get("log_url_base");
    RootPolicy defaults;
    struct Duration {
        const char* key;
        std::chrono::milliseconds* out;
    };
    for (auto [key, out] :
         {Duration{"lease_timeout", &s.lease_timeout},
          Duration{"sweep_interval", &s.sweep_interval}, Duration{"outbox_grace", &s.outbox_grace},
          Duration{"review_timeout", &defaults.review_timeout},
          Duration{"queue_expiry", &defaults.queue_expiry}}) {
        auto d = config.get_duration(key);
        if (!d) return d.error().context(key);
        *out = *d;
    }
    if (s.lease_timeout.count() <= 0 || s.sweep_interval.count() <= 0)
        return make_error("lease_timeout and sweep_interval must be positive");
    auto attempts = config.get_int("max_plan_attempts");
    if (!attempts) return attempts.error().context("max_plan_attempts");
    if (*attempts < 1) return make_error("max_plan_attempts must be at least 1");
    s.max_plan_attempts = static_cast<int>(*attempts);
    auto table = PolicyTable::parse(config.get("root_policies"), defaults);
    if (!table) return table.error();
    s.policies = std::move(*table);
    auto github = github::auth_config(config, "strata-scheduler");
    if (!github) return github.error();
    s.github = std::move(*github);
    auto ttl = config.get_duration("team_membership_cache");
    if (!ttl) return ttl.error().context("team_membership_cache");
    s.team_membership_cache = *ttl;
    if (s.policies.names_teams() && !s.github.enabled())
        return make_error(
            "root_policies: reviewers name teams (org/team), whose membership is checked with "
            "GitHub's API: set github_token, or github_app_id and github_app_private_key");
    return s;
}

}  // namespace strata::scheduler
