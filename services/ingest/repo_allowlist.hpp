// Which repositories ingest takes events for: comma-separated globs over "owner/name"
// (`acme/*`, `acme/infra-*`, `*/*` for all; glob.hpp syntax), matched without regard to case as
// GitHub treats names. Events about another repository are refused (403) and logged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/result.hpp"

namespace strata::ingest {

class RepoAllowlist {
public:
    // An error names the first malformed pattern. An empty list allows nothing.
    static Result<RepoAllowlist> parse(std::string_view comma_separated);

    bool allows(std::string_view full_name) const;
    const std::vector<std::string>& patterns() const { return patterns_; }

private:
    std::vector<std::string> patterns_;  // lower-cased
};

}  // namespace strata::ingest
