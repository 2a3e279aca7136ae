// Payload <-> JSON for every message type. Private to shared/. Each payload lists its fields
// once, in a fields(visitor, payload) function (message_fields.hpp); one visitor writes JSON,
// the other reads and validates it, so encoding and decoding cannot drift apart.
// To add a type: its struct (events.hpp / payloads.hpp), its fields(), an entry here, a schema.
#pragma once

#include <nlohmann/json.hpp>

#include "json_fields.hpp"
#include "strata/messages.hpp"

#define STRATA_MESSAGE_TYPES(X) \
    X(PushEvent)                \
    X(PullRequestEvent)         \
    X(CheckRunEvent)            \
    X(CheckSuiteEvent)          \
    X(CommentCommandEvent)      \
    X(MergeGroupEvent)          \
    X(InstallationEvent)        \
    X(PingEvent)                \
    X(TriggerDeploy)            \
    X(TriggerUnlock)            \
    X(TriggerConfirm)           \
    X(TriggerReject)            \
    X(DeployRequested)          \
    X(PlanRequested)            \
    X(PlanCancelled)            \
    X(ConfigInvalid)            \
    X(RootDeleted)              \
    X(RequestRefused)           \
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
