// Events that end in deploy.requested: pushes to the default branch, reruns, manual triggers.
#include "event_planners.hpp"
#include "strata/log.hpp"

namespace strata::planner {
namespace {

constexpr std::string_view kDeployCheckPrefix = "strata/deploy: ";

OutgoingMessage deploy_message(const Envelope& cause, DeployRequested request) {
    auto id = derived_uuid(cause.id + "|" + request.root.name + "|" + request.revision);
    return outgoing(
        make_message(std::move(request), Origin{"planner", cause.correlation_id, cause.id}, id));
}

Outcome dead_letter_with_refusal(const Envelope& cause, const RepoRef& repo,
                                 const std::string& root, const std::string& revision,
                                 const std::string& request, const std::string& user,
                                 const std::string& reason) {
    Outcome out;
    out.messages.push_back(request_refused(cause, repo, root, revision, request, user, reason));
    out.settle = Outcome::Settle::DeadLetter;
    out.reason = reason;
    out.summary = "refused: " + reason;
    out.invalid_trigger = request == "deploy";
    return out;
}

Outcome refusal(const Envelope& cause, const RepoRef& repo, const std::string& root,
                const std::string& revision, const std::string& request, const std::string& user,
                const std::string& reason) {
    Outcome out;
    out.messages.push_back(request_refused(cause, repo, root, revision, request, user, reason));
    out.summary = "refused: " + reason;
    return out;
}

// Adds deploy.requested for every affected root and root.deleted for every deleted one.
void add_changes(Outcome& out, const Envelope& cause, const RepoRef& repo,
                 const std::string& revision, const std::string& ref, const std::string& user,
                 const RootChanges& changes, bool rerun, const std::string& reason) {
    for (const auto& a : changes.roots) {
        DeployRequested request{
            repo, root_ref(*a.root), revision, ref,   rerun ? "manual" : "merge",
            user, a.upstream_roots,  rerun,    false, reason};
        add_repo_settings(request, *a.root);
        out.messages.push_back(deploy_message(cause, std::move(request)));
    }
    for (const auto& root : changes.deleted) {
        RootDeleted deleted{repo, root_ref(root), revision, user};
        auto id = derived_uuid(cause.id + "|deleted|" + root.name + "|" + revision);
        out.messages.push_back(outgoing(make_message(
            std::move(deleted), Origin{"planner", cause.correlation_id, cause.id}, id)));
    }
    out.summary = std::to_string(changes.roots.size()) + " root(s) to deploy, " +
                  std::to_string(changes.deleted.size()) + " deleted";
}

// Is sha on the default branch? head_branch as GitHub sent it ("" when it sent null).
bool on_default_branch(const GitMirror& mirror, const std::string& sha,
                       const std::string& head_branch, const std::string& default_branch) {
    if (!head_branch.empty()) return head_branch == default_branch;
    return mirror.is_ancestor(sha, "refs/heads/" + default_branch);
}

bool auto_deploy(const RootConfig& root) { return root.auto_deploy; }

}  // namespace

Outcome plan_push(RepoContext& ctx, const Message<PushEvent>& m) {
    const auto& push = m.payload;
    if (!ctx.mirror.has_commit(push.after)) {
        Outcome out;
        out.settle = Outcome::Settle::DeadLetter;
        out.reason = "commit " + push.after + " not found in " + push.repo.full_name;
        out.summary = out.reason;
        return out;
    }
    // The deployed state is `before`: diff its tree against after's. For a force push that
    // also covers the roots whose changes the push dropped (they must deploy back).
    std::string base = is_zero_sha(push.before) ? "" : push.before;
    if (!base.empty() && !ctx.mirror.has_commit(base)) {
        auto parent = ctx.mirror.first_parent(push.after);
        if (!parent) return requeue(parent.error().message);
        log::warn("push's before commit is gone upstream; comparing with after's parent",
                  {{"before", push.before}, {"parent", *parent}}, m.envelope.correlation_id);
        base = *parent;
    }
    auto analysis = analyse(ctx, base, push.after, auto_deploy);
    if (!analysis) return requeue(analysis.error().message);
    Outcome out;
    if (!analysis->config_errors.empty() || analysis->changes.cycle) {
        const auto& errors = analysis->config_errors.empty()
                                 ? std::vector<ConfigError>{*analysis->changes.cycle}
                                 : analysis->config_errors;
        out.messages.push_back(config_invalid(m.envelope, push.repo, push.after, errors, 0));
        out.summary = "config invalid: " + describe(errors);
        return out;
    }
    add_changes(out, m.envelope, push.repo, push.after, push.ref, push.pusher, analysis->changes,
                false, "");
    return out;
}

Outcome plan_check_run(RepoContext& ctx, const Message<CheckRunEvent>& m) {
    const auto& e = m.payload;
    Outcome out;
    if (!e.name.starts_with(kDeployCheckPrefix)) {
        out.summary = "not a deploy check run; nothing to re-run";
        return out;
    }
    std::string root = e.name.substr(kDeployCheckPrefix.size());
    if (!ctx.mirror.has_commit(e.head_sha))
        return refusal(m.envelope, e.repo, root, e.head_sha, "rerun", e.user,
                       "commit " + e.head_sha + " was not found");
    if (!on_default_branch(ctx.mirror, e.head_sha, e.head_branch, e.repo.default_branch))
        return refusal(m.envelope, e.repo, root, e.head_sha, "rerun", e.user,
                       "Reruns are only supported for commits on the default branch");
    auto at = roots_at(ctx, e.head_sha);
    if (!at) return requeue(at.error().message);
    if (!at->roots)
        return refusal(m.envelope, e.repo, root, e.head_sha, "rerun", e.user,
                       "the config at this commit is invalid: " + describe(at->config_errors));
    auto id = at->roots->by_name(root);
    if (!id)
        return refusal(m.envelope, e.repo, root, e.head_sha, "rerun", e.user,
                       "root '" + root + "' is not in the config at this commit");
    DeployRequested request{e.repo,     root_ref(at->roots->roots()[*id]),
                            e.head_sha, "refs/heads/" + e.repo.default_branch,
                            "manual",   e.user,
                            {},         true,
                            false,      "re-run requested on GitHub"};
    add_repo_settings(request, at->roots->roots()[*id]);
    out.messages.push_back(deploy_message(m.envelope, std::move(request)));
    out.summary = "rerun of " + root;
    return out;
}

Outcome plan_check_suite(RepoContext& ctx, const Message<CheckSuiteEvent>& m) {
    const auto& e = m.payload;
    if (!ctx.mirror.has_commit(e.head_sha))
        return refusal(m.envelope, e.repo, "", e.head_sha, "rerun", e.user,
                       "commit " + e.head_sha + " was not found");
    if (!on_default_branch(ctx.mirror, e.head_sha, e.head_branch, e.repo.default_branch))
        return refusal(m.envelope, e.repo, "", e.head_sha, "rerun", e.user,
                       "Reruns are only supported for commits on the default branch");
    auto parent = ctx.mirror.first_parent(e.head_sha);
    if (!parent) return requeue(parent.error().message);
    auto analysis = analyse(ctx, *parent, e.head_sha, auto_deploy);
    if (!analysis) return requeue(analysis.error().message);
    if (!analysis->config_errors.empty() || analysis->changes.cycle) {
        auto errors = analysis->config_errors.empty()
                          ? std::vector<ConfigError>{*analysis->changes.cycle}
                          : analysis->config_errors;
        return refusal(m.envelope, e.repo, "", e.head_sha, "rerun", e.user,
                       "the config at this commit is invalid: " + describe(errors));
    }
    analysis->changes.deleted.clear();  // reported with the push already
    Outcome out;
    add_changes(out, m.envelope, e.repo, e.head_sha, "refs/heads/" + e.repo.default_branch, e.user,
                analysis->changes, true, "re-run of all checks requested on GitHub");
    return out;
}

Outcome plan_trigger(RepoContext& ctx, const Message<TriggerDeploy>& m, RepoRef repo) {
    const auto& t = m.payload;
    if (repo.default_branch.empty()) repo.default_branch = ctx.mirror.default_branch();
    std::string branch = t.branch.empty() ? repo.default_branch : t.branch;
    auto refuse = [&](const std::string& revision, const std::string& reason) {
        return dead_letter_with_refusal(m.envelope, repo, t.roots.empty() ? "" : t.roots.front(),
                                        revision, "deploy", t.user, reason);
    };
    if (t.roots.empty()) return refuse(t.revision, "the trigger names no root");
    std::string revision = t.revision;
    if (!revision.empty() && !ctx.mirror.has_commit(revision))
        return refuse(revision, "revision " + revision + " was not found in " + repo.full_name);
    if (revision.empty()) {
        if (branch.empty()) return refuse("", "the repository's default branch is not known");
        auto resolved = ctx.mirror.resolve("refs/heads/" + branch);
        if (!resolved) return refuse("", "branch '" + branch + "' was not found");
        revision = *resolved;
    }
    auto at = roots_at(ctx, revision);
    if (!at) return requeue(at.error().message);
    if (!at->roots)
        return refuse(revision,
                      "the config at " + revision + " is invalid: " + describe(at->config_errors));
    std::vector<int> chosen;
    for (const auto& name : t.roots) {
        auto id = at->roots->by_name(name);
        if (!id) return refuse(revision, "root '" + name + "' is not in the config at " + revision);
        chosen.push_back(*id);
    }
    auto index = index_at(ctx, revision);
    if (!index) return requeue(index.error().message);
    auto changes = order_roots(*at->roots, **index, chosen);
    if (changes.cycle) return refuse(revision, describe({*changes.cycle}));
    Outcome out;
    for (const auto& a : changes.roots) {
        DeployRequested request{repo,
                                root_ref(*a.root),
                                revision,
                                "refs/heads/" + branch,
                                "manual",
                                t.user,
                                a.upstream_roots,
                                false,
                                t.force,
                                t.reason};
        add_repo_settings(request, *a.root);
        out.messages.push_back(deploy_message(m.envelope, std::move(request)));
    }
    out.summary = std::to_string(changes.roots.size()) + " root(s) to deploy by hand";
    return out;
}

}  // namespace strata::planner
