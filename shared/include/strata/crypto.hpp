// Small cryptographic helpers on OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace strata {

// Lower-case hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Compares in time independent of where the inputs differ (lengths may leak).
bool constant_time_equals(std::string_view a, std::string_view b);

std::string sha256_hex(std::string_view data);

}  // namespace strata
