// The executor's configuration: its option table (for --help and --check-config) and the typed,
// validated struct built from it once at start-up.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "strata/config.hpp"
#include "strata/daemon.hpp"
#include "terraform_command.hpp"

namespace strata::executor {

struct ExecutorConfig {
    std::string id;  // names its own queue job.run.<id> and its leases
    std::string redis_prefix;
    std::string cache_dir;    // repository mirrors (kept across restarts)
    std::string work_dir;     // one directory per deployment in hand (swept at start)
    std::string job_log_dir;  // the durable job log store
    int job_slots = 1;        // jobs from the shared work queue run at once
    std::chrono::milliseconds heartbeat_interval{5'000};
    std::chrono::milliseconds lease_timeout{60'000};
    TerraformSettings terraform;
    std::string git_token;                     // HTTPS password for fetches ("": none)
    std::string root_variables;                // mapping file: root glob -> env file ("": none)
    std::vector<std::string> secret_patterns;  // regular expressions, redacted in job output
    long long live_log_max_lines = 20'000;
    std::chrono::milliseconds live_log_ttl{8LL * 24 * 3600 * 1000};
};

std::vector<OptionSpec> executor_option_specs();

Result<ExecutorConfig> load_executor_config(const Config& config);

}  // namespace strata::executor
