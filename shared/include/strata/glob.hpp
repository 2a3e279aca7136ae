// Path globs, as in .gitignore and Atlantis' when_modified: `*` matches within one path segment,
// `**` matches any number of whole segments (including none), `?` one character but '/',
// `[abc]` / `[a-z]` / `[!a]` a character class. Matching is on '/'-separated paths, anchored
// at both ends, case-sensitive.
#pragma once

#include <string_view>

#include "strata/result.hpp"

namespace strata {

bool glob_match(std::string_view pattern, std::string_view path);

// An error for a malformed pattern (an unclosed '[', an empty pattern).
Result<void> validate_glob(std::string_view pattern);

}  // namespace strata
