// Strata's messages: an envelope around a typed payload, one JSON Schema per type in schemas/.
// The routing key of a message is its type. Decoding validates and returns a clear error; a
// message that does not decode is dead-lettered with that error, never requeued.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/events.hpp"
#include "strata/payloads.hpp"
#include "strata/result.hpp"

namespace strata {

struct Envelope {
    std::string id;  // unique per message; consumers are idempotent by it
    std::string type;
    int version = 1;
    std::string correlation_id;  // the webhook delivery or trigger that started the chain
    std::string causation_id;    // id of the message this one was produced from ("" for roots)
    std::string produced_at;     // RFC 3339 UTC with milliseconds
    std::string producer;        // "ingest", "planner", ...
};

// ---- encoding -------------------------------------------------------------------------------

template <class T>
struct Message {
    Envelope envelope;
    T payload;
};

// Who is producing and in reply to what: fills correlation and causation ids.
struct Origin {
    std::string producer;
    std::string correlation_id;
    std::string causation_id;
};

// Builds an envelope for payload. id "" means a fresh random id; pass a derived id where
// redelivery of the cause must produce the same message (idempotency downstream).
template <class T>
Message<T> make_message(T payload, const Origin& origin, std::string id = "");

template <class T>
std::string encode(const Message<T>& message);

// Validates the envelope (type and version must match T) and the payload.
template <class T>
Result<Message<T>> decode(std::string_view body);

// Only the envelope, to route or log a message before choosing its payload type.
Result<Envelope> decode_envelope(std::string_view body);

std::string new_uuid();                           // random UUID v4
std::string derived_uuid(std::string_view name);  // stable UUID from a name (SHA-256)
std::string now_rfc3339();

}  // namespace strata
