// Repository-relative paths and the when_modified patterns of a root.
//
// A path is relative to the repository's top: no leading or trailing '/', no "." or ".."
// segments; "" is the top itself (a root there is named "."). Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/result.hpp"

namespace strata::planner {

// "./a//b/../c/" -> "a/c"; "." or "" -> "". nullopt for an absolute path or one whose ".."
// climbs above the top.
std::optional<std::string> normalise_path(std::string_view path);

// base + "/" + relative, normalised (relative may use "..": "envs/prod" + "../../modules/vpc"
// -> "modules/vpc"). nullopt when relative is absolute or the result escapes the top.
std::optional<std::string> join_path(std::string_view base, std::string_view relative);

// True when path is dir or lies below it ("" contains everything).
bool path_within(std::string_view path, std::string_view dir);

std::string parent_dir(const std::string& path);  // "a/b/c.tf" -> "a/b"; "c.tf" -> ""
std::string base_name(const std::string& path);   // "a/b/c.tf" -> "c.tf"

// The default when_modified of a root: its Terraform files and lock file.
const std::vector<std::string>& default_when_modified();

// A root's when_modified, compiled against its dir. Patterns are globs (strata/glob.hpp)
// relative to the root's dir and may climb out of it with ".." (not out of the repository);
// a pattern starting with '!' excludes. The last pattern that matches a path decides.
class PathPatterns {
public:
    // Errors name the offending pattern: malformed glob, absolute, escaping the repository.
    static Result<PathPatterns> compile(const std::string& dir,
                                        const std::vector<std::string>& patterns);

    bool matches(std::string_view path) const;

    // The directories under which an including pattern can match, one per including pattern
    // (its leading literal directories: "envs/prod/*.tf" -> "envs/prod", "**/x" -> ""). A path
    // can only match when one of these is among its ancestors: this is how candidates are
    // looked up without testing every root.
    std::vector<std::string> anchors() const;

private:
    struct Pattern {
        std::string glob;  // repository-relative
        bool exclude = false;
    };
    std::vector<Pattern> patterns_;
};

}  // namespace strata::planner
