#include "executor_config.hpp"

#include <unistd.h>

#include <sstream>

#include "redactor.hpp"

namespace strata::executor {

namespace {

std::vector<std::string> split(const std::string& s, const std::string& separators) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto end = s.find_first_of(separators, start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace

std::vector<OptionSpec> executor_option_specs() {
    return {
        {"executor_id", "", "this executor's id: its own queue and leases (default: host-pid)"},
        {"job_slots", "1", "jobs from the shared work queue run at once"},
        {"heartbeat_interval", "5s", "how often leases are renewed"},
        {"lease_timeout", "60s", "a lease not renewed for this long is lost (as the scheduler's)"},
        {"cache_dir", "/var/lib/strata/executor/mirrors", "where repository mirrors live"},
        {"work_dir", "/var/lib/strata/executor/work",
         "one directory per deployment in hand; this executor's own (swept at start)"},
        {"job_log_dir", "/var/lib/strata/job-logs", "the durable job log store (a directory)"},
        {"terraform_bin", "terraform", "terraform (or tofu) binary: a name in the PATH or a path"},
        {"terraform_versions_dir", "",
         "directory of <binary name><version> binaries chosen by a root's terraform_version"},
        {"terraform_search_path", "/usr/local/bin:/usr/bin:/bin", "PATH given to terraform"},
        {"terraform_env", "", "NAME=value pairs for every terraform run, comma separated", true},
        {"terraform_plugin_cache_dir", "", "TF_PLUGIN_CACHE_DIR for every run (\"\": unset)"},
        {"init_timeout", "10m", "time limit of terraform init"},
        {"plan_timeout", "60m", "time limit of terraform plan"},
        {"show_timeout", "5m", "time limit of terraform show -json"},
        {"apply_timeout", "60m", "time limit of terraform apply"},
        {"kill_grace", "10s", "after SIGTERM, how long terraform has before SIGKILL"},
        {"git_token", "",
         "password for HTTPS fetches of repositories (user x-access-token): a GitHub token", true},
        {"root_variables", "",
         "file mapping root globs to env files of the root's variables (docs/executor.md)"},
        {"secret_patterns",
         "AKIA[0-9A-Z]{16} gh[pousr]_[A-Za-z0-9]{36,} xox[abprs]-[A-Za-z0-9-]{10,}",
         "regular expressions redacted from job output, separated by spaces"},
        {"live_log_max_lines", "20000", "lines kept in a deployment's live log stream"},
        {"live_log_ttl", "8d", "how long a live log stream is kept after its last job began"},
    };
}

Result<ExecutorConfig> load_executor_config(const Config& config) {
    ExecutorConfig c;
    c.id = config.get("executor_id");
    if (c.id.empty()) {
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        c.id = std::string(host) + "-" + std::to_string(getpid());
    }
    for (char ch : c.id)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
            return make_error("executor_id may hold letters, digits, '-', '_' and '.' only");
    c.redis_prefix = config.get("redis_prefix");
    c.cache_dir = config.get("cache_dir");
    c.work_dir = config.get("work_dir");
    c.job_log_dir = config.get("job_log_dir");
    if (c.work_dir.empty() || c.cache_dir.empty() || c.job_log_dir.empty())
        return make_error("work_dir, cache_dir and job_log_dir must be set");
    auto slots = config.get_int("job_slots");
    if (!slots) return slots.error();
    if (*slots < 1 || *slots > 64) return make_error("job_slots must be between 1 and 64");
    c.job_slots = static_cast<int>(*slots);
    auto lines = config.get_int("live_log_max_lines");
    if (!lines) return lines.error();
    c.live_log_max_lines = *lines;

    auto& tf = c.terraform;
    tf.binary = config.get("terraform_bin");
    tf.versions_dir = config.get("terraform_versions_dir");
    tf.search_path = config.get("terraform_search_path");
    tf.extra_env = split(config.get("terraform_env"), ",");
    for (const auto& pair : tf.extra_env)
        if (pair.find('=') == std::string::npos || pair.front() == '=')
            return make_error("terraform_env: expected NAME=value pairs");
    tf.plugin_cache_dir = config.get("terraform_plugin_cache_dir");
    struct Duration {
        const char* key;
        std::chrono::milliseconds* out;
    };
    for (auto [key, out] :
         {Duration{"heartbeat_interval", &c.heartbeat_interval},
          Duration{"lease_timeout", &c.lease_timeout}, Duration{"init_timeout", &tf.init_timeout},
          Duration{"plan_timeout", &tf.plan_timeout}, Duration{"show_timeout", &tf.show_timeout},
          Duration{"apply_timeout", &tf.apply_timeout}, Duration{"kill_grace", &tf.kill_grace},
          Duration{"live_log_ttl", &c.live_log_ttl}}) {
        auto d = config.get_duration(key);
        if (!d) return d.error();
        if (d->count() <= 0) return make_error(std::string(key) + " must be positive");
        *out = *d;
    }
    if (c.heartbeat_interval * 2 > c.lease_timeout)
        return make_error("heartbeat_interval must be at most half of lease_timeout");
    c.root_variables = config.get("root_variables");
    c.git_token = config.get("git_token");
    c.secret_patterns = split(config.get("secret_patterns"), " \t\n");
    if (auto compiled = compile_secret_patterns(c.secret_patterns); !compiled)
        return compiled.error();
    return c;
}

}  // namespace strata::executor
