// A repository's roots at a revision, compiled for matching changed paths: each root's
// when_modified patterns, and lookups by pattern anchor, dir and name. Immutable once built;
// shared (shared_ptr<const RootSet>) between the events that use the same config.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "repo_config.hpp"
#include "repo_index.hpp"
#include "repo_paths.hpp"

namespace strata::planner {

class RootSet {
public:
    // config must have passed validation (its patterns compile).
    static std::shared_ptr<const RootSet> build(RepoConfig config);

    // The roots of `config`, plus (when config.discover, or for discovery itself) every
    // directory of the index holding *.tf files or a Terragrunt unit, outside directories named
    // "modules" and the config's discovery_ignore globs, not already a listed root's dir.
    static std::shared_ptr<const RootSet> with_discovery(RepoConfig config, const RepoIndex& index);

    const RepoConfig& config() const { return config_; }
    const std::vector<RootConfig>& roots() const { return config_.roots; }

    // Appends the roots whose when_modified matches path.
    void matching(const std::string& path, std::vector<int>& out) const;
    const std::vector<int>& at_dir(const std::string& dir) const;
    std::optional<int> by_name(const std::string& name) const;
    // Roots that list `root` in depends_on.
    const std::vector<int>& depends_on_me(int root) const;

private:
    RepoConfig config_;
    std::vector<PathPatterns> patterns_;
    std::unordered_map<std::string, std::vector<int>> by_anchor_, by_dir_;
    std::unordered_map<std::string, int> by_name_;
    std::vector<std::vector<int>> dependents_;
};

bool is_under_modules(const std::string& dir);  // a segment named "modules"
std::string root_name(const std::string& dir);  // "" -> "."

}  // namespace strata::planner
