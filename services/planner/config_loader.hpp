// The roots of a repository at a revision: strata.yaml, else atlantis.yaml, else discovery
// (root_set.hpp). A config file is parsed once per blob id; the compiled RootSet is kept per
// (blob id, index shape, symlinks), so an unchanged config costs a map lookup per event.
// Listed root dirs are checked against symlinks that leave the repository.
// Not thread-safe: one per repository, used by that repository's serialised work.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "repo_config.hpp"
#include "repo_index.hpp"
#include "revision_reader.hpp"
#include "root_set.hpp"

namespace strata::planner {

struct LoadedConfig {
    std::shared_ptr<const RootSet> roots;  // null when the config is invalid
    std::vector<ConfigError> errors;
    std::string blob_id;  // of the config file; "" when discovered
};

class ConfigLoader {
public:
    // index must be at revision.revision().
    Result<LoadedConfig> load(const RevisionReader& revision, const RepoIndex& index);

    // The roots a config file lists at a revision (no discovery, no symlink checks); null when
    // there is no config file or it is invalid. For reporting roots deleted since then.
    Result<std::shared_ptr<const RootSet>> listed_roots(const RevisionReader& revision);

    long long parses() const { return parses_; }  // config files parsed so far (tests)

private:
    struct Found {
        std::string file;
        TreeEntry entry;
    };
    Result<std::optional<Found>> find_config(const RevisionReader& revision);
    std::shared_ptr<const ConfigParse> parse(const RevisionReader& revision, const Found& found,
                                             Result<void>& read);

    std::map<std::string, std::shared_ptr<const ConfigParse>> parsed_;  // by blob id
    std::map<std::string, std::shared_ptr<const RootSet>> compiled_;
    long long parses_ = 0;
};

// Errors for listed root dirs that pass through a symlink leading out of the repository.
void check_symlinks(const RepoConfig& config, const RepoIndex& index,
                    std::vector<ConfigError>& errors);

}  // namespace strata::planner
