// The normaliser of each event Strata uses. Each maps the GitHub payload onto its event struct
// (events.hpp), ignores the actions Strata does not act on (with the reason, for /metrics), and
// refuses a payload lacking what the struct's decoder requires, so that nothing accepted here is
// dead-lettered downstream.
#include <algorithm>
#include <array>

#include "comment_command.hpp"
#include "github_payload.hpp"

namespace strata::ingest::github {
namespace {

template <std::size_t N>
bool one_of(const std::string& value, const std::array<std::string_view, N>& set) {
    return std::find(set.begin(), set.end(), value) != set.end();
}

bool has_repo(const RepoRef& r) { return !r.full_name.empty() && !r.clone_url.empty(); }

Error lacks(std::string_view event, std::string_view what) {
    return make_error(std::string(event) + " event lacks " + std::string(what));
}

std::string not_acted_on(std::string_view event, const std::string& action) {
    return std::string(event) + " action '" + action + "' is not acted on";
}

constexpr std::string_view kZeroSha = "0000000000000000000000000000000000000000";

}  // namespace

Result<Outcome> push(const Payload& doc, std::string_view delivery_id) {
    PushEvent e;
    e.repo = repo_of(doc);
    e.ref = doc.str("/ref");
    e.before = doc.str("/before");
    e.after = doc.str("/after");
    e.pusher = doc.str("/pusher/name");
    e.forced = doc.boolean("/forced");
    if (!has_repo(e.repo) || e.ref.empty() || e.before.empty() || e.after.empty())
        return lacks("push", "repository, ref, before or after");
    auto repository = e.repo.full_name;
    // Strata deploys what lands on the default branch; pull requests arrive as pull_request.
    if (e.ref.rfind("refs/heads/", 0) != 0) return ignored("tag", "push of a tag", repository);
    if (e.after == kZeroSha) return ignored("branch_deleted", "push deletes a branch", repository);
    if (e.ref != "refs/heads/" + e.repo.default_branch)
        return ignored("not_default_branch", "push to a branch other than the default branch",
                       repository);
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> pull_request(const Payload& doc, std::string_view delivery_id) {
    constexpr std::array<std::string_view, 5> kActed = {"opened", "synchronize", "reopened",
                                                        "ready_for_review", "closed"};
    PullRequestEvent e;
    e.repo = repo_of(doc);
    e.action = doc.str("/action");
    if (!has_repo(e.repo)) return lacks("pull_request", "repository");
    if (!one_of(e.action, kActed))
        return ignored(action_code(e.action), not_acted_on("pull_request", e.action),
                       e.repo.full_name);
    e.number = doc.integer("/pull_request/number");
    e.base_ref = doc.str("/pull_request/base/ref");
    e.base_sha = doc.str("/pull_request/base/sha");
    e.head_ref = doc.str("/pull_request/head/ref");
    e.head_sha = doc.str("/pull_request/head/sha");
    e.merged = doc.boolean("/pull_request/merged");
    e.draft = doc.boolean("/pull_request/draft");
    e.user = sender(doc);
    if (e.user.empty()) e.user = doc.str("/pull_request/user/login");
    if (e.number <= 0 || e.base_ref.empty() || e.base_sha.empty() || e.head_sha.empty())
        return lacks("pull_request", "number, base or head");
    auto repository = e.repo.full_name;
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> check_run(const Payload& doc, std::string_view delivery_id) {
    constexpr std::array<std::string_view, 2> kActed = {"requested_action", "rerequested"};
    CheckRunEvent e;
    e.repo = repo_of(doc);
    e.action = doc.str("/action");
    if (!has_repo(e.repo)) return lacks("check_run", "repository");
    if (!one_of(e.action, kActed))
        return ignored(action_code(e.action), not_acted_on("check_run", e.action),
                       e.repo.full_name);
    e.check_run_id = doc.integer("/check_run/id");
    e.name = doc.str("/check_run/name");
    e.external_id = doc.str("/check_run/external_id");
    e.head_sha = doc.str("/check_run/head_sha");
    e.head_branch = doc.str("/check_run/check_suite/head_branch");
    e.identifier = doc.str("/requested_action/identifier");
    e.user = sender(doc);
    if (e.head_sha.empty()) return lacks("check_run", "check_run.head_sha");
    if (e.action == "requested_action" && e.identifier.empty())
        return lacks("check_run", "requested_action.identifier");
    auto repository = e.repo.full_name;
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> check_suite(const Payload& doc, std::string_view delivery_id) {
    CheckSuiteEvent e;
    e.repo = repo_of(doc);
    e.action = doc.str("/action");
    if (!has_repo(e.repo)) return lacks("check_suite", "repository");
    if (e.action != "rerequested")
        return ignored(action_code(e.action), not_acted_on("check_suite", e.action),
                       e.repo.full_name);
    e.head_sha = doc.str("/check_suite/head_sha");
    // null when GitHub no longer knows the branch: resolved from the mirror downstream.
    e.head_branch = doc.str("/check_suite/head_branch");
    e.user = sender(doc);
    if (e.head_sha.empty()) return lacks("check_suite", "check_suite.head_sha");
    auto repository = e.repo.full_name;
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> issue_comment(const Payload& doc, std::string_view delivery_id) {
    CommentCommandEvent e;
    e.repo = repo_of(doc);
    auto action = doc.str("/action");
    if (!has_repo(e.repo)) return lacks("issue_comment", "repository");
    auto repository = e.repo.full_name;
    // Edits and deletions never run a command (an edit could otherwise re-run an apply).
    if (action != "created")
        return ignored(action_code(action), not_acted_on("issue_comment", action), repository);
    if (!doc.present("/issue/pull_request"))
        return ignored("not_pull_request", "comment is not on a pull request", repository);
    auto command = parse_comment_command(doc.str("/comment/body"));
    if (!command) return ignored("not_command", command.error().message, repository);
    e.number = doc.integer("/issue/number");
    e.comment_id = doc.integer("/comment/id");
    e.command = std::move(command->command);
    e.args = std::move(command->args);
    e.user = sender(doc);
    if (e.user.empty()) e.user = doc.str("/comment/user/login");
    if (e.number <= 0) return lacks("issue_comment", "issue.number");
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> merge_group(const Payload& doc, std::string_view delivery_id) {
    MergeGroupEvent e;
    e.repo = repo_of(doc);
    e.action = doc.str("/action");
    if (!has_repo(e.repo)) return lacks("merge_group", "repository");
    if (e.action != "checks_requested")
        return ignored(action_code(e.action), not_acted_on("merge_group", e.action),
                       e.repo.full_name);
    e.head_sha = doc.str("/merge_group/head_sha");
    e.head_ref = doc.str("/merge_group/head_ref");
    e.base_sha = doc.str("/merge_group/base_sha");
    e.base_ref = doc.str("/merge_group/base_ref");
    e.user = sender(doc);
    if (e.head_sha.empty()) return lacks("merge_group", "merge_group.head_sha");
    auto repository = e.repo.full_name;
    return normalized(std::move(e), delivery_id, repository);
}

Result<Outcome> installation(const Payload& doc, std::string_view delivery_id) {
    InstallationEvent e;
    e.action = doc.str("/action");
    e.installation_id = doc.integer("/installation/id");
    e.account = doc.str("/installation/account/login");
    e.user = sender(doc);
    if (e.action.empty() || e.installation_id == 0) return lacks("installation", "action or id");
    e.repositories = doc.strings_in("/repositories", "full_name");
    return normalized(std::move(e), delivery_id, "");
}

Result<Outcome> ping(const Payload& doc, std::string_view delivery_id) {
    PingEvent e;
    e.hook_id = doc.integer("/hook_id");
    e.zen = doc.str("/zen");
    e.repository = doc.str("/repository/full_name");
    auto repository = e.repository;
    return normalized(std::move(e), delivery_id, repository);
}

}  // namespace strata::ingest::github
