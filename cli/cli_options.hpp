// The CLI's command line: a command, its own flags (--repo, --root (repeatable), --rev,
// --branch, --reason, --force, --deployment), and the configuration flags of the shared config
// layer (--amqp-url, --user, --config FILE, --help, --version, ...; see cli_option_specs()).
#pragma once

#include <string>
#include <vector>

#include "strata/config.hpp"
#include "strata/result.hpp"

namespace strata::cli {

struct CliRequest {
    CliAction action = CliAction::Run;
    std::string command;  // deploy | unlock | confirm | reject | status
    std::string repo;
    std::vector<std::string> roots;
    std::string rev, branch, reason, deployment;
    bool force = false;
    Config config;
};

// amqp_url, amqp_exchange, redis_url, redis_prefix, user (default: $USER from environ),
// timeout, log_level.
std::vector<OptionSpec> cli_option_specs(const std::vector<std::string>& environ);

// Errors are usage errors (exit 2), worded for the person typing.
Result<CliRequest> parse_cli(int argc, const char* const* argv,
                             const std::vector<std::string>& environ);

std::string cli_usage(const std::vector<std::string>& environ);

}  // namespace strata::cli
