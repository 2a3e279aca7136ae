// The scheduler's configuration: timers of the job protocol and the per-root review and queue
// policies. Built once at start-up from the daemon's Config; immutable afterwards.
//
// Root policies (option root_policies, until repository config carries them) are rules, one
// per line or separated by ';':
//     <repo glob>||<root glob> key=value ...
//     acme/infra||prod-*  approvers=2 reviewers=alice,bob review_timeout=3d
//     acme/*||**          coalesce=true queue_expiry=2d
// Globs as in strata/glob.hpp ('*' within a path segment, '**' across). Keys: approvers (distinct
// Confirms needed, default 1), reviewers (GitHub users, or teams written org/team-slug, who may
// Confirm or Reject; default anyone; team membership is asked of GitHub, see
// team_membership.hpp), review_timeout (then review_timed_out; default option review_timeout),
// queue_expiry (a queued deployment is skipped after it; 0 = never; default option
// queue_expiry), coalesce (true: a new merge deploy supersedes the merge deploys still
// waiting), allow_review_waiver (true: a root's `review.required: never` in strata.yaml is
// honoured; default false: ignored, see effective_policy). For each key the first matching rule
// that sets it wins.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/config.hpp"
#include "strata/github_auth.hpp"
#include "strata/payloads.hpp"
#include "strata/result.hpp"

namespace strata::scheduler {

struct RootPolicy {
    int approvers_required = 1;
    std::vector<std::string> reviewers;  // empty: anyone may review
    std::chrono::milliseconds review_timeout{std::chrono::hours(24 * 7)};
    std::chrono::milliseconds queue_expiry{std::chrono::hours(24 * 7)};  // 0: never
    bool coalesce_merges = false;
    bool allow_review_waiver = false;  // honour a repository's review.required: never
};

// What a deployment runs with: the operator's RootPolicy combined with the root's repository
// settings (strata.yaml, carried by deploy.requested), the operator's policy being the floor:
// anyone who can merge can edit strata.yaml, so the repository may tighten, never loosen.
//   review "always": honoured (every deploy waits for review).
//   review "never": honoured only when the operator's policy allows_review_waiver; else
//     ignored ("auto") and note says so.
//   reviewers: the operator lists some: the intersection with the repository's list when that
//     list is given and the intersection is not empty (the repository narrows), else the
//     operator's (note says so when the repository's list shared nobody with it); the operator
//     lists none: the repository's list.
//   apply_enabled / apply_timeout: the repository's (the operator sets neither).
struct EffectivePolicy {
    RootPolicy policy;            // reviewers as combined
    std::string review = "auto";  // auto | always | never
    bool apply_enabled = true;
    std::string apply_timeout;  // "" = the executor's default
    std::string note;           // repository settings that were not honoured, and why
};
EffectivePolicy effective_policy(const RootPolicy& operator_policy, const DeployRequested& r);

class PolicyTable {
public:
    PolicyTable() = default;
    static Result<PolicyTable> parse(std::string_view text, RootPolicy defaults);
    RootPolicy for_root(std::string_view repo, std::string_view root) const;
    // Whether some rule's reviewers name a team (org/team).
    bool names_teams() const;

private:
    struct Rule {
        std::string repo_glob, root_glob;
        std::optional<int> approvers;
        std::optional<std::vector<std::string>> reviewers;
        std::optional<std::chrono::milliseconds> review_timeout, queue_expiry;
        std::optional<bool> coalesce, allow_review_waiver;
    };
    static Result<Rule> parse_rule(std::string_view line);
    RootPolicy defaults_;
    std::vector<Rule> rules_;
};

struct SchedulerSettings {
    std::string redis_prefix = "strata";
    std::string log_url_base;  // the deployment id is appended
    std::chrono::milliseconds lease_timeout{60'000};
    std::chrono::milliseconds sweep_interval{5'000};
    // Outbox entries older than this are published again by the pump (their publisher died).
    std::chrono::milliseconds outbox_grace{10'000};
    int max_plan_attempts = 3;
    PolicyTable policies;
    // GitHub, to check reviewers' team membership (required when a reviewers list names a team).
    github::GitHubAuthConfig github;
    std::chrono::milliseconds team_membership_cache{60'000};
};

std::vector<OptionSpec> scheduler_option_specs();
Result<SchedulerSettings> settings_from(const Config& config);

}  // namespace strata::scheduler
