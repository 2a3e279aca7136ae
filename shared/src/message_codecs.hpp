// Payload <-> JSON for every message type. Private to shared/; add a type to STRATA_MESSAGE_TYPES
// and give it a Codec specialization in message_codecs.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include "json_fields.hpp"
#include "strata/messages.hpp"

#define STRATA_MESSAGE_TYPES(X) \
    X(PushEvent)                \
    X(DeployRequested)          \
    X(JobRun)                   \
    X(JobState)                 \
    X(DeploymentState)

namespace strata::detail {

template <class T>
struct Codec {
    static nlohmann::json to_json(const T& payload);
    static T from_json(FieldReader& reader);
};

}  // namespace strata::detail
