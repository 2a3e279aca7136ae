// GitHub webhook handling that is a plain function of its input: signature check and
// normalisation into Strata's own event messages. Downstream daemons never see GitHub's payload.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/result.hpp"

namespace strata::ingest {

// X-Hub-Signature-256 is "sha256=" + hex HMAC-SHA256(secret, raw body). Any of the secrets may
// match (two during a rotation). Constant-time comparison.
bool signature_valid(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets);

// A message ready to publish: routing key = type, the encoded envelope, its id (derived from the
// delivery id so a redelivered webhook yields the same message id).
struct Normalized {
    std::string type;
    std::string message_id;
    std::string body;
};

// An event Strata deliberately does not act on (counted, answered 202).
struct Ignored {
    std::string reason;
};

using Outcome = std::variant<Normalized, Ignored>;

// Errors are malformed payloads (answered 400).
Result<Outcome> normalize(std::string_view event, std::string_view delivery_id,
                          std::string_view body);

}  // namespace strata::ingest
