// Replaces secrets in a line of terraform output with "***" before the line goes anywhere (live
// log, stored log, job.state detail, the executor's own log): the root's variable values, the
// configured patterns, and every secret registered with log::register_secret (the executor's
// secret options, such as terraform_env). Immutable once built; safe to share between threads.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata::executor {

class Redactor {
public:
    // Values under kMinSecretLength characters are not redacted (see root_variables.hpp).
    static constexpr std::size_t kMinSecretLength = 4;

    Redactor() = default;
    Redactor(std::vector<std::string> values, std::vector<std::regex> patterns);

    std::string operator()(std::string line) const;

private:
    std::vector<std::string> values_;  // longest first, so a secret containing another goes whole
    std::vector<std::regex> patterns_;
};

// Compiles the configured patterns (ECMAScript syntax); an error names the bad one.
Result<std::vector<std::regex>> compile_secret_patterns(const std::vector<std::string>& patterns);

}  // namespace strata::executor
