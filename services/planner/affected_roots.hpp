// Which Terraform roots a commit changed. Skeleton rule (the planner issue deepens it): a root is
// a directory holding *.tf files, outside any directory named "modules"; it is affected when a
// file directly in it changed. A root whose directory no longer holds *.tf files is deleted.
#pragma once

#include <string>
#include <vector>

#include "strata/git.hpp"
#include "strata/messages.hpp"

namespace strata::planner {

struct AffectedRoots {
    std::vector<RootRef> roots;        // to deploy, sorted by dir
    std::vector<std::string> deleted;  // dirs of roots removed by the commit
};

// Blocking (libgit2): run off the event loop.
Result<AffectedRoots> find_affected_roots(const GitMirror& mirror, const std::string& before,
                                          const std::string& after);

// Pure helpers, exposed for tests.
std::string parent_dir(const std::string& path);  // "a/b/c.tf" -> "a/b"; "c.tf" -> ""
bool is_under_modules(const std::string& dir);
bool is_terraform_file(const std::string& name);  // *.tf, *.tfvars, *.hcl
std::string root_name(const std::string& dir);    // "" -> "."
}  // namespace strata::planner
