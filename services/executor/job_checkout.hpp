// Preparing a job's work dir, on a worker thread (blocking: libgit2 and the file system):
// the revision from the repository's mirror (fetched incrementally when it lacks a commit), its
// order against the root's last attempted revision, the root directory (refused when it escapes
// the checkout), the root's variables, the terraform binary, and the redactor for its output.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "redactor.hpp"
#include "strata/git.hpp"
#include "strata/messages.hpp"
#include "terraform_command.hpp"

namespace strata::executor {

struct RunnerSettings {
    TerraformSettings terraform;
    std::string work_root;
    std::string executor_id;
    std::string root_variables;  // the mapping file (root_variables.hpp); "" = none
    std::string git_token;       // HTTPS password for fetching the repository; "" = none
    std::shared_ptr<const std::vector<std::regex>> secret_patterns;
};

struct PreparedJob {
    std::string checkout;        // <work dir>/checkout
    std::string root_dir;        // inside checkout
    std::string revision_order;  // ahead | behind | identical | diverged | none
    std::string binary;
    Variables variables;
    Redactor redactor;
};

// The work dir of a deployment's plan: <work_root>/<deployment id>-<fence> (made file-name safe).
std::string job_work_dir(const std::string& work_root, const std::string& deployment_id,
                         long long fence);

// "none" without a last revision; "identical"; "ahead" when revision descends from last;
// "behind" when last descends from revision; else "diverged" (also when last is not in the
// mirror even after a fetch: unknown history is treated as needing review).
std::string revision_order(const GitMirror& mirror, const std::string& revision,
                           const std::string& last);

// Removes and re-creates work_dir, then prepares everything above. Worker thread only.
Result<PreparedJob> prepare_job(MirrorCache& mirrors, const RunnerSettings& settings,
                                const JobRun& job, const std::string& work_dir);

// Resolves dir inside checkout; an error when it is absolute or escapes it (".." or a symlink).
Result<std::string> root_directory(const std::string& checkout, const std::string& dir);

}  // namespace strata::executor
