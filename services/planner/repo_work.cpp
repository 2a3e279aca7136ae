#include "repo_work.hpp"

#include <algorithm>

#include "revision_reader.hpp"

namespace strata::planner {
namespace {

bool holds_terraform(const std::vector<TreeEntry>& entries) {
    return std::any_of(entries.begin(), entries.end(), [](const TreeEntry& e) {
        return e.kind != TreeEntry::Kind::Directory &&
               (e.name.ends_with(".tf") || e.name == "terragrunt.hcl");
    });
}

}  // namespace

Outcome requeue(std::string reason) {
    Outcome out;
    out.settle = Outcome::Settle::Requeue;
    out.summary = reason;
    out.reason = std::move(reason);
    return out;
}

Result<const RepoIndex*> index_at(RepoContext& ctx, const std::string& commit) {
    auto& index = ctx.state.index;
    GitRevision revision(ctx.mirror, commit);
    if (index && index->revision() == commit) return &*index;
    if (index) {
        auto changed = ctx.mirror.changed_paths(index->revision(), commit);
        if (changed) {
            if (index->advance(revision, *changed, ctx.scans)) return &*index;
        }
        index.reset();  // could not move it: read the whole tree again
    }
    auto built = RepoIndex::build(revision, ctx.scans);
    if (!built) {
        ctx.damaged = true;
        return built.error().context("indexing " + commit);
    }
    index.emplace(std::move(*built));
    return &*index;
}

Result<Analysis> roots_at(RepoContext& ctx, const std::string& commit) {
    auto index = index_at(ctx, commit);
    if (!index) return index.error();
    auto loaded = ctx.state.configs.load(GitRevision(ctx.mirror, commit), **index);
    if (!loaded) {
        ctx.damaged = true;
        return loaded.error().context("reading the config at " + commit);
    }
    Analysis out;
    out.roots = loaded->roots;
    out.config_errors = std::move(loaded->errors);
    return out;
}

Result<Analysis> analyse(RepoContext& ctx, const std::string& base, const std::string& head,
                         const std::function<bool(const RootConfig&)>& include) {
    bool from_nothing = is_zero_sha(base);
    auto changed = ctx.mirror.changed_paths(from_nothing ? "" : base, head);
    if (!changed) {
        ctx.damaged = true;
        return changed.error();
    }
    // Consecutive commits (the usual case): move the index along the diff already in hand.
    auto& index = ctx.state.index;
    if (index && !from_nothing && index->revision() == base && index->revision() != head) {
        if (!index->advance(GitRevision(ctx.mirror, head), *changed, ctx.scans)) index.reset();
    }
    auto out = roots_at(ctx, head);
    if (!out || !out->config_errors.empty()) return out;
    std::shared_ptr<const RootSet> before;
    if (!from_nothing) {
        auto listed = ctx.state.configs.listed_roots(GitRevision(ctx.mirror, base));
        if (!listed) {
            ctx.damaged = true;
            return listed.error().context("reading the config at " + base);
        }
        before = *listed;
    }
    GitRevision old(ctx.mirror, base);
    ChangeInputs in{*out->roots,
                    before.get(),
                    *ctx.state.index,
                    *changed,
                    [&](const std::string& dir) -> Result<bool> {
                        if (from_nothing) return false;
                        auto entries = old.entries(dir);
                        if (!entries) return entries.error();
                        return holds_terraform(*entries);
                    },
                    include};
    auto changes = find_affected_roots(in);
    if (!changes) {
        ctx.damaged = true;
        return changes.error();
    }
    out->changes = std::move(*changes);
    return out;
}

RootRef root_ref(const RootConfig& root) {
    return RootRef{root.name, root_name(root.dir), root.workspace, root.terraform_version};
}

void add_repo_settings(DeployRequested& request, const RootConfig& root) {
    request.review_required = root.review.required.empty() ? "auto" : root.review.required;
    request.reviewers = root.review.reviewers;
    request.apply_enabled = root.apply.enabled;
    request.apply_timeout = root.apply.timeout;
}

OutgoingMessage config_invalid(const Envelope& cause, const RepoRef& repo,
                               const std::string& revision, const std::vector<ConfigError>& errors,
                               long long pull_number) {
    const ConfigError& first = errors.front();
    ConfigInvalid payload{
        repo,       revision,         first.file.empty() ? "strata.yaml" : first.file,
        first.line, describe(errors), pull_number};
    auto id = derived_uuid(cause.id + "|config.invalid|" + revision);
    return outgoing(
        make_message(std::move(payload), Origin{"planner", cause.correlation_id, cause.id}, id));
}

OutgoingMessage request_refused(const Envelope& cause, const RepoRef& repo, const std::string& root,
                                const std::string& revision, const std::string& request,
                                const std::string& user, const std::string& reason) {
    RequestRefused payload{repo, root, revision, request, user, reason, ""};
    auto id = derived_uuid(cause.id + "|refused|" + root + "|" + revision);
    return outgoing(
        make_message(std::move(payload), Origin{"planner", cause.correlation_id, cause.id}, id));
}

}  // namespace strata::planner
