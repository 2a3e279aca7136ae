// The planner benchmark's generated monorepo (bench/planner_repo_gen.cpp).
#pragma once

#include <string>
#include <vector>

namespace strata::bench {

struct GeneratedRepo {
    std::string dir;                   // a bare repository, branch main
    std::vector<std::string> commits;  // the base commit, then one per push (10 files each)
    int files = 0;                     // in the base commit
};

GeneratedRepo generate_monorepo(const std::string& dir, int roots, int files, int pushes);

}  // namespace strata::bench
