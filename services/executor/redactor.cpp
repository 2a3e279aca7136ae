#include "redactor.hpp"

#include <algorithm>

#include "strata/log.hpp"

namespace strata::executor {

Redactor::Redactor(std::vector<std::string> values, std::vector<std::regex> patterns)
    : patterns_(std::move(patterns)) {
    for (auto& v : values)
        if (v.size() >= kMinSecretLength) values_.push_back(std::move(v));
    std::sort(values_.begin(), values_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    values_.erase(std::unique(values_.begin(), values_.end()), values_.end());
}

std::string Redactor::operator()(std::string line) const {
    for (const auto& secret : values_) {
        for (auto at = line.find(secret); at != std::string::npos; at = line.find(secret, at + 3))
            line.replace(at, secret.size(), "***");
    }
    for (const auto& pattern : patterns_) line = std::regex_replace(line, pattern, "***");
    return log::redact(std::move(line));
}

Result<std::vector<std::regex>> compile_secret_patterns(const std::vector<std::string>& patterns) {
    std::vector<std::regex> out;
    for (const auto& p : patterns) {
        try {
            out.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
        } catch (const std::regex_error& e) {
            return make_error("secret pattern '" + p +
                              "' is not a valid regular expression: " + e.what());
        }
    }
    return out;
}

}  // namespace strata::executor
