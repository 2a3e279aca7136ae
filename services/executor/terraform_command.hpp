// How terraform is run: which binary (by the root's terraform_version), with which environment
// (nothing inherited from the executor), and the argv of each step. Plain functions of their
// input, except select_terraform_binary, which looks at the file system (call it off the loop).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "strata/result.hpp"

namespace strata::executor {

struct TerraformSettings {
    // A name looked up in search_path ("terraform", "tofu" for OpenTofu) or a path.
    std::string binary = "terraform";
    // Holds one binary per version, named <binary name><version> ("terraform1.6.6", "tofu1.8.0");
    // "" = every root runs `binary`.
    std::string versions_dir;
    std::string search_path = "/usr/local/bin:/usr/bin:/bin";  // PATH of the child
    std::vector<std::string> extra_env;  // "NAME=value" for every run (secret: redacted)
    std::string plugin_cache_dir;        // TF_PLUGIN_CACHE_DIR ("" = unset)
    std::chrono::milliseconds init_timeout{10LL * 60 * 1000};
    std::chrono::milliseconds plan_timeout{60LL * 60 * 1000};
    std::chrono::milliseconds show_timeout{5LL * 60 * 1000};
    std::chrono::milliseconds apply_timeout{60LL * 60 * 1000};
    std::chrono::milliseconds kill_grace{10'000};  // SIGTERM, then SIGKILL after this
};

using Variables = std::vector<std::pair<std::string, std::string>>;  // NAME, value

// The binary for a root: `binary` when terraform_version is "" or no versions_dir is set; else
// <versions_dir>/<basename of binary><version> ("v1.6.6" and "1.6.6" are the same), which must
// exist and be executable. An error for a version that is not an exact version (constraints like
// "~> 1.5" are not resolved) or is not installed: running another version than the one a root
// asks for could upgrade its state.
Result<std::string> select_terraform_binary(const TerraformSettings& settings,
                                            const std::string& terraform_version);

// The complete environment of a terraform run: PATH, HOME, TF_IN_AUTOMATION=1, TF_INPUT=0,
// TF_WORKSPACE (unless "default"), TF_PLUGIN_CACHE_DIR, then extra_env and the root's variables.
// The executor's own environment is never passed on. TF_IN_AUTOMATION and TF_INPUT cannot be
// overridden; a later NAME replaces an earlier one.
std::vector<std::string> terraform_environment(const TerraformSettings& settings,
                                               const std::string& home,
                                               const std::string& workspace,
                                               const Variables& root_variables);

// The argv after the binary for each step. plan_file is an absolute path.
std::vector<std::string> init_args();
std::vector<std::string> plan_args(const std::string& plan_file);
std::vector<std::string> show_args(const std::string& plan_file);
std::vector<std::string> apply_args(const std::string& plan_file);

}  // namespace strata::executor
