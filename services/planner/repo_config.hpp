// The repository's root config at a revision: from strata.yaml (docs/repo-config.md), from an
// Atlantis atlantis.yaml (version 3), or discovered from the tree. Parsing is pure; every
// error carries its file and line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::planner {

struct ReviewSettings {
    std::string required = "auto";       // auto (the scheduler's rules) | always | never
    std::vector<std::string> reviewers;  // GitHub logins or org/team; empty = anyone allowed
};

struct ApplySettings {
    bool enabled = true;  // false: plans only; Strata never applies this root
    std::string timeout;  // "" = the executor's default; else a duration ("45m")
};

struct RootConfig {
    std::string name;
    std::string dir;  // repository-relative, "" = the top
    std::string workspace = "default";
    std::string terraform_version;           // "" = the executor's default
    std::vector<std::string> when_modified;  // relative to dir; '!' excludes
    std::vector<std::string> depends_on;     // names of roots that deploy first
    bool auto_plan = true;                   // plan pull requests that touch it without being asked
    bool auto_deploy = true;                 // deploy merges to the default branch
    int execution_order_group = 0;           // atlantis.yaml: lower groups deploy first
    ReviewSettings review;
    ApplySettings apply;
    int line = 0;  // where it is declared (0: discovered)
    struct Lines {
        int dir = 0, when_modified = 0, depends_on = 0;
    } lines;  // where those keys are, for errors (0: not given)
};

struct ConfigError {
    std::string file;
    int line = 0;  // 1-based; 0 when unknown
    std::string message;
};

struct RepoConfig {
    enum class Source { Strata, Atlantis, Discovery };
    Source source = Source::Discovery;
    std::string file;  // "strata.yaml", "atlantis.yaml", "" when discovered
    std::vector<RootConfig> roots;
    // A root is affected when a root it depends_on is (strata.yaml); atlantis.yaml's depends_on
    // only orders, as in Atlantis.
    bool depends_on_triggers = true;
    // Discovered roots are added beside the listed ones (atlantis.yaml autodiscover "enabled",
    // or "auto" with no projects), except under these globs.
    bool discover = false;
    std::vector<std::string> discovery_ignore;
};

struct ConfigParse {
    RepoConfig config;
    std::vector<ConfigError> errors;  // empty: config is usable
    bool ok() const { return errors.empty(); }
};

inline constexpr std::string_view kStrataConfigFile = "strata.yaml";
inline constexpr std::string_view kAtlantisConfigFile = "atlantis.yaml";

ConfigParse parse_strata_yaml(std::string_view text);
ConfigParse parse_atlantis_yaml(std::string_view text, std::string_view file = "atlantis.yaml");

// Normalises the root's dir and checks its own fields (name, dir, workspace, terraform version,
// when_modified globs). Parsers call it for every root they read.
void check_root(RootConfig& root, const std::string& file, std::vector<ConfigError>& errors);

// Checks what concerns several roots: duplicate names, depends_on references and cycles.
// Appends to errors.
void validate_roots(const RepoConfig& config, std::vector<ConfigError>& errors);

// "strata.yaml:12: duplicate root name 'app'" lines.
std::string describe(const std::vector<ConfigError>& errors);

}  // namespace strata::planner
