// Events that end in plan.requested: pull requests, `strata plan` comments, merge groups.
#include <algorithm>

#include "event_planners.hpp"

namespace strata::planner {
namespace {

struct PlanTarget {
    RepoRef repo;
    std::string head, base, head_ref, trigger, user;
    long long pull_number = 0;
};

OutgoingMessage plan_message(const Envelope& cause, const PlanTarget& t, const RootConfig& root) {
    PlanRequested request{t.repo,        root_ref(root), t.head,    t.base,
                          t.pull_number, t.head_ref,     t.trigger, t.user};
    auto id = derived_uuid(cause.id + "|" + root.name + "|" + t.head);
    return outgoing(
        make_message(std::move(request), Origin{"planner", cause.correlation_id, cause.id}, id));
}

// Plans the roots changed between t.base and t.head (include: which of them to plan).
Outcome plan_changes(RepoContext& ctx, const Envelope& cause, const PlanTarget& t,
                     const std::function<bool(const RootConfig&)>& include) {
    auto analysis = analyse(ctx, t.base, t.head, include);
    if (!analysis) return requeue(analysis.error().message);
    Outcome out;
    if (!analysis->config_errors.empty() || analysis->changes.cycle) {
        auto errors = analysis->config_errors.empty()
                          ? std::vector<ConfigError>{*analysis->changes.cycle}
                          : analysis->config_errors;
        out.messages.push_back(config_invalid(cause, t.repo, t.head, errors, t.pull_number));
        out.summary = "config invalid: " + describe(errors);
        return out;
    }
    for (const auto& a : analysis->changes.roots)
        out.messages.push_back(plan_message(cause, t, *a.root));
    out.summary = std::to_string(analysis->changes.roots.size()) + " root(s) to plan";
    return out;
}

bool auto_plan(const RootConfig& root) { return root.auto_plan; }

// The merge base of head with base (a SHA when present, else the base branch).
Result<std::string> base_of(const GitMirror& mirror, const std::string& head,
                            const std::string& base_sha, const std::string& base_ref) {
    if (mirror.has_commit(base_sha)) return mirror.merge_base(base_sha, head);
    return mirror.merge_base("refs/heads/" + base_ref, head);
}

// `strata plan` arguments: -p/--project NAME, -d/--dir DIR, -w/--workspace WS, or bare names.
struct Selection {
    std::vector<std::string> names, dirs;
    std::string workspace;
    bool any() const { return !names.empty() || !dirs.empty(); }
};

Selection parse_args(const std::vector<std::string>& args) {
    Selection s;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        bool has_value = i + 1 < args.size();
        if ((a == "-p" || a == "--project") && has_value)
            s.names.push_back(args[++i]);
        else if ((a == "-d" || a == "--dir") && has_value) {
            ++i;
            s.dirs.push_back(normalise_path(args[i]).value_or(args[i]));  // "./a/" is "a"
        } else if ((a == "-w" || a == "--workspace") && has_value)
            s.workspace = args[++i];
        else if (!a.starts_with("-"))
            s.names.push_back(a);
    }
    return s;
}

}  // namespace

Outcome cancel_pull_request(const Message<PullRequestEvent>& m) {
    const auto& e = m.payload;
    PlanCancelled cancel{e.repo, e.number, "",
                         e.merged ? "pull request merged" : "pull request closed"};
    auto id = derived_uuid(m.envelope.id + "|cancel|" + std::to_string(e.number));
    Outcome out;
    out.messages.push_back(outgoing(make_message(
        std::move(cancel), Origin{"planner", m.envelope.correlation_id, m.envelope.id}, id)));
    out.summary = "pending plans cancelled";
    return out;
}

Outcome plan_pull_request(RepoContext& ctx, const Message<PullRequestEvent>& m,
                          const PlannerSettings& settings) {
    const auto& e = m.payload;
    Outcome out;
    if (e.draft && !settings.plan_drafts) {
        out.summary = "draft pull request; not planned";
        return out;
    }
    if (!ctx.mirror.has_commit(e.head_sha)) {
        out.summary = "head " + e.head_sha + " is gone (a newer push supersedes it)";
        return out;
    }
    // A late delivery of an older head: the pull request's head has moved past it (its pull
    // ref, fetched with this or an earlier event, descends from it), and the newer head's own
    // event plans that. A pull ref that lags behind the event (GitHub moves it asynchronously)
    // or was force-pushed away from it plans as usual.
    auto pull_head = ctx.mirror.resolve("refs/pull/" + std::to_string(e.number) + "/head");
    if (pull_head && *pull_head != e.head_sha && ctx.mirror.is_ancestor(e.head_sha, *pull_head)) {
        out.summary = "head " + e.head_sha + " is outdated: the pull request moved on to " +
                      *pull_head + "; not planned";
        return out;
    }
    auto base = base_of(ctx.mirror, e.head_sha, e.base_sha, e.base_ref);
    if (!base) return requeue(base.error().message);
    PlanTarget t{e.repo, e.head_sha, *base, e.head_ref, "pull_request", e.user, e.number};
    return plan_changes(ctx, m.envelope, t, auto_plan);
}

Outcome plan_comment(RepoContext& ctx, const Message<CommentCommandEvent>& m) {
    const auto& e = m.payload;
    const std::string pull_ref = "refs/pull/" + std::to_string(e.number) + "/head";
    auto head = ctx.mirror.resolve(pull_ref);
    if (!head)
        return Outcome{
            {request_refused(m.envelope, e.repo, "", "", "plan", e.user,
                             "pull request #" + std::to_string(e.number) + " was not found")},
            Outcome::Settle::Ack,
            "",
            "pull request not found",
            false};
    auto base = ctx.mirror.merge_base("refs/heads/" + e.repo.default_branch, *head);
    if (!base) return requeue(base.error().message);
    PlanTarget t{e.repo, *head, *base, pull_ref, "comment", e.user, e.number};
    Selection selection = parse_args(e.args);
    if (!selection.any())
        return plan_changes(ctx, m.envelope, t, [](const RootConfig&) { return true; });
    auto at = roots_at(ctx, *head);
    if (!at) return requeue(at.error().message);
    Outcome out;
    if (!at->roots) {
        out.messages.push_back(
            config_invalid(m.envelope, e.repo, *head, at->config_errors, e.number));
        out.summary = "config invalid";
        return out;
    }
    std::vector<std::string> unknown;
    for (const auto& name : selection.names)
        if (!at->roots->by_name(name)) unknown.push_back(name);
    for (const auto& root : at->roots->roots()) {
        bool by_name = std::count(selection.names.begin(), selection.names.end(), root.name) > 0;
        bool by_dir = std::count(selection.dirs.begin(), selection.dirs.end(), root.dir) > 0 &&
                      (selection.workspace.empty() || selection.workspace == root.workspace);
        if (by_name || by_dir) out.messages.push_back(plan_message(m.envelope, t, root));
    }
    if (!unknown.empty() || out.messages.empty())
        out.messages.push_back(request_refused(
            m.envelope, e.repo, unknown.empty() ? "" : unknown.front(), *head, "plan", e.user,
            unknown.empty() ? "no root matches the command"
                            : "root '" + unknown.front() + "' is not in the config"));
    out.summary = "plan requested by comment";
    return out;
}

Outcome plan_merge_group(RepoContext& ctx, const Message<MergeGroupEvent>& m) {
    const auto& e = m.payload;
    Outcome out;
    if (e.action != "checks_requested") {
        out.summary = "merge group " + e.action + "; nothing to plan";
        return out;
    }
    if (!ctx.mirror.has_commit(e.head_sha)) {
        out.summary = "merge group head " + e.head_sha + " is gone";
        return out;
    }
    auto base = base_of(ctx.mirror, e.head_sha, e.base_sha, e.base_ref);
    if (!base) return requeue(base.error().message);
    PlanTarget t{e.repo, e.head_sha, *base, e.head_ref, "merge_group", e.user, 0};
    return plan_changes(ctx, m.envelope, t, auto_plan);
}

}  // namespace strata::planner
