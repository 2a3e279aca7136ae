#include "repo_allowlist.hpp"

#include <algorithm>
#include <cctype>

#include "strata/glob.hpp"

namespace strata::ingest {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<RepoAllowlist> RepoAllowlist::parse(std::string_view comma_separated) {
    RepoAllowlist list;
    while (!comma_separated.empty()) {
        auto item = comma_separated.substr(0, comma_separated.find(','));
        comma_separated.remove_prefix(std::min(comma_separated.size(), item.size() + 1));
        auto pattern = trim(item);
        if (pattern.empty()) continue;
        if (auto valid = validate_glob(pattern); !valid)
            return valid.error().context("repository allowlist pattern '" + std::string(pattern) +
                                         "'");
        list.patterns_.push_back(lower(pattern));
    }
    return list;
}

bool RepoAllowlist::allows(std::string_view full_name) const {
    auto name = lower(full_name);
    return std::any_of(patterns_.begin(), patterns_.end(),
                       [&](const std::string& p) { return glob_match(p, name); });
}

}  // namespace strata::ingest
