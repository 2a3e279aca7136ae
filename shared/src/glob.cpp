#include "strata/glob.hpp"

namespace strata {
namespace {

// Matches a class starting at pattern[i] == '['; sets `end` past the ']'. False on malformed.
bool match_class(std::string_view pattern, std::size_t i, char c, std::size_t& end, bool& matched) {
    std::size_t j = i + 1;
    bool negate = j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^');
    if (negate) ++j;
    bool any = false;
    bool first = true;
    for (; j < pattern.size() && (pattern[j] != ']' || first); ++j) {
        first = false;
        if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
            if (pattern[j] <= c && c <= pattern[j + 2]) any = true;
            j += 2;
        } else if (pattern[j] == c) {
            any = true;
        }
    }
    if (j >= pattern.size()) return false;
    end = j + 1;
    matched = (any != negate) && c != '/';
    return true;
}

bool match(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0;
    // Backtracking points for the last `*` (within a segment) seen.
    std::size_t star_p = std::string_view::npos, star_s = 0;
    while (si < s.size() || pi < p.size()) {
        if (pi < p.size()) {
            if (p.compare(pi, 2, "**") == 0) {
                // "**/" matches zero or more segments; a trailing "**" matches everything left.
                std::size_t rest = pi + 2;
                if (rest < p.size() && p[rest] == '/') ++rest;
                if (rest >= p.size()) return true;
                for (std::size_t k = si; k <= s.size(); ++k) {
                    if ((k == si || s[k - 1] == '/') && match(p.substr(rest), s.substr(k)))
                        return true;
                }
                return false;
            }
            char pc = p[pi];
            if (pc == '*') {
                star_p = pi++;
                star_s = si;
                continue;
            }
            if (si < s.size()) {
                if (pc == '?' && s[si] != '/') {
                    ++pi, ++si;
                    continue;
                }
                if (pc == '[') {
                    std::size_t end = 0;
                    bool matched = false;
                    if (match_class(p, pi, s[si], end, matched) && matched) {
                        pi = end, ++si;
                        continue;
                    }
                } else if (pc == s[si] && pc != '?') {
                    ++pi, ++si;
                    continue;
                }
            }
        }
        // Mismatch: let the last `*` swallow one more character, never a '/'.
        if (star_p != std::string_view::npos && star_s < s.size() && s[star_s] != '/') {
            pi = star_p + 1;
            si = ++star_s;
            continue;
        }
        return false;
    }
    return true;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return match(pattern, path); }

Result<void> validate_glob(std::string_view pattern) {
    if (pattern.empty()) return make_error("empty glob");
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '[') continue;
        std::size_t end = 0;
        bool matched = false;
        if (!match_class(pattern, i, 'a', end, matched))
            return make_error("glob '" + std::string(pattern) + "': unclosed '['");
        i = end - 1;
    }
    return {};
}

}  // namespace strata
