// Configuration, layered: built-in defaults < YAML file (--config FILE or STRATA_CONFIG) <
// STRATA_* environment variables < command-line flags. Each daemon declares its options in one
// table; the key "amqp_url" is read from YAML key amqp_url, env STRATA_AMQP_URL and flag
// --amqp-url. The result is immutable; daemons copy what they need into their own typed struct.
// This is the only place that reads the environment.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata {

struct OptionSpec {
    std::string key;
    std::string default_value;
    std::string help;
    bool secret = false;    // masked in --check-config and registered for log redaction
    bool required = false;  // must be non-empty after layering
};

class Config {
public:
    const std::string& get(const std::string& key) const;  // unknown key: programming error
    Result<long long> get_int(const std::string& key) const;
    Result<bool> get_bool(const std::string& key) const;
    // "500ms", "5s", "2m", "1h", "7d"; a bare number is seconds.
    Result<std::chrono::milliseconds> get_duration(const std::string& key) const;

    // "key = value" lines, secrets shown as "***" (or "" when unset).
    std::string describe() const;

    // Where each value came from ("default", "file", "env", "flag").
    const std::string& source(const std::string& key) const;

    std::vector<std::string> secret_values() const;

private:
    friend struct ConfigLoader;
    friend Result<struct ParsedCommandLine> parse_command_line(const std::vector<OptionSpec>&, int,
                                                               const char* const*,
                                                               const std::vector<std::string>&);
    std::vector<OptionSpec> specs_;
    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> sources_;
};

// What the command line asked for besides configuration.
enum class CliAction { Run, Help, Version, CheckConfig };

struct ParsedCommandLine {
    CliAction action = CliAction::Run;
    Config config;
    std::vector<std::string> positional;
};

// environ: "NAME=value" strings (pass ::environ in daemons, a fixed list in tests).
Result<ParsedCommandLine> parse_command_line(const std::vector<OptionSpec>& specs, int argc,
                                             const char* const* argv,
                                             const std::vector<std::string>& environ);

std::string usage_text(const std::string& program, const std::string& summary,
                       const std::vector<OptionSpec>& specs);

// Options every daemon has (log level, AMQP, Redis, health/metrics listener).
std::vector<OptionSpec> common_option_specs();

// Parses a human duration ("500ms", "5s", "2m", "1h", "7d", bare number = seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace strata
