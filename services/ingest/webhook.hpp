// GitHub webhook handling that is a plain function of its input: signature check, the body's
// media type, and normalisation into Strata's own event messages. Downstream daemons never see
// GitHub's payload.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "strata/result.hpp"
#include "webhook_body.hpp"

namespace strata::ingest {

// X-Hub-Signature-256 is "sha256=" + hex HMAC-SHA256(secret, raw body). Any of the secrets may
// match (two during a rotation); empty secrets match nothing. Constant-time comparison.
bool signature_valid(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets);

// X-GitHub-Delivery is a GUID. It keys the dedupe record, derives the message id and becomes the
// correlation id of everything that follows, so it must be short and plain (the header is not
// covered by the signature).
bool delivery_id_valid(std::string_view delivery_id);

// A message ready to publish: routing key = type, the encoded envelope, its id (derived from the
// delivery id so a redelivered webhook yields the same message id).
struct Normalized {
    std::string type;
    std::string message_id;
    std::string body;
    std::string repository;  // full name, "" for events about no repository (installation)
};

// An event Strata deliberately does not act on (answered 202, counted per event and code).
struct Ignored {
    std::string reason;      // for people: the log and the answer's body
    std::string code;        // for /metrics: one of a small fixed set ("action:labeled", ...)
    std::string repository;  // full name, "" when none
};

using Outcome = std::variant<Normalized, Ignored>;

// The events Strata acts on (X-GitHub-Event values); every other event is ignored.
const std::vector<std::string>& handled_events();

// event: the X-GitHub-Event header; json: the payload (see webhook_body.hpp). Errors are payloads
// that are not a JSON object or lack what their event cannot do without (answered 400).
Result<Outcome> normalize(std::string_view event, std::string_view delivery_id,
                          std::string_view json);

// What the check needs from a request. Views: the caller keeps the request alive (and copies it
// first when the check runs on another thread).
struct WebhookInput {
    std::string_view event;      // X-GitHub-Event
    std::string_view delivery;   // X-GitHub-Delivery
    std::string_view signature;  // X-Hub-Signature-256
    BodyEncoding encoding = BodyEncoding::Json;
    std::string_view body;  // raw, as signed
};

// The CPU-heavy part of taking a webhook, in the order the endpoint answers: signature (401),
// headers, body decoding and normalisation (400). Thread-safe; the endpoint runs it on the
// thread pool so that parsing large payloads does not hold up the loop.
struct CheckedWebhook {
    int status = 0;      // 0: the outcome is set; else 401 or 400
    std::string metric;  // with a status: "bad_signature" | "bad_request"
    std::string error;   // with a status: why, for the answer and the log
    std::optional<Outcome> outcome;
};
CheckedWebhook check_webhook(const WebhookInput& in, const std::vector<std::string>& secrets);

}  // namespace strata::ingest
