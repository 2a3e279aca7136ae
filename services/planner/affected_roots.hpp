// Which roots a change affects, and in which order they deploy.
//
// A root is affected when a changed path matches its when_modified; when a local module it
// calls changed (anything below the module's dir; followed transitively through modules that
// call modules, and through Terragrunt `terraform { source }`); when a file it reads changed
// (Terragrunt include / read_terragrunt_config, a *.tf symlink's target); or when a root it
// reads outputs of is affected (Terragrunt `dependency`, and strata.yaml's depends_on). A
// matched root whose dir no longer holds Terraform files was deleted: reported, not planned.
//
// Order: upstreams (depends_on, Terragrunt dependency and dependencies, atlantis.yaml
// execution_order_group) come first; each affected root lists the nearest affected roots
// upstream of it. A cycle among them is an error with the file and line that closes it.
// Pure apart from the existed_before callback.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "repo_config.hpp"
#include "repo_index.hpp"
#include "repo_paths.hpp"
#include "root_set.hpp"

namespace strata::planner {

struct AffectedRoot {
    const RootConfig* root = nullptr;         // owned by the RootSet passed in
    std::vector<std::string> upstream_roots;  // nearest affected upstreams, sorted
    std::string reason;                       // "changed", "module modules/vpc", ...
};

struct RootChanges {
    std::vector<AffectedRoot> roots;  // upstreams first
    std::vector<RootConfig> deleted;
    std::optional<ConfigError> cycle;  // set: nothing in `roots` may be published
};

struct ChangeInputs {
    const RootSet& after;             // the roots at the new revision
    const RootSet* before = nullptr;  // the listed roots at the old revision; null: none/unknown
    const RepoIndex& index;           // at the new revision
    const std::vector<ChangedPath>& changed;
    // Did dir hold *.tf files (or a Terragrunt unit) at the old revision? (Blocking.)
    std::function<Result<bool>(const std::string& dir)> existed_before;
    // Which affected roots to keep (auto_deploy for merges, auto_plan for pull requests).
    std::function<bool(const RootConfig&)> include = [](const RootConfig&) { return true; };
};

Result<RootChanges> find_affected_roots(const ChangeInputs& in);

// The order and upstreams of a chosen set of roots (manual triggers, reruns).
RootChanges order_roots(const RootSet& roots, const RepoIndex& index, std::vector<int> chosen);

bool is_terraform_file(const std::string& name);  // *.tf, *.tfvars, *.hcl

}  // namespace strata::planner
