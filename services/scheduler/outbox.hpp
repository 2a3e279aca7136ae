// Turns outbox entries (written by the Lua scripts, lua/lib.lua `emit`) into the messages the
// scheduler publishes. An entry is a stream entry of field/value pairs: "t" its kind, "cid" the
// correlation id to carry, "cause" the id of the message that caused it, then by kind:
//   t=state    id, ahead (JSON [{id, revision, trigger}]), then the deployment's hash as stored
//              -> deployment.state, id derived from (deployment, seq)
//   t=job      dep, kind, job_id, fence, attempt, routing, repo, root, revision, last_attempted,
//              pull_number -> job.run (routing "job.run" or "job.run.<executor id>"), id
//              derived from (job id, attempt)
//   t=refused  repo, root, revision, request, user, reason, dep -> request.refused
// Message ids are derived, so publishing an entry twice (a redelivery, the outbox pump)
// publishes the same message, which consumers drop.
#pragma once

#include <string>

#include "deployment_store.hpp"
#include "strata/amqp.hpp"

namespace strata::scheduler {

struct RenderedEntry {
    OutgoingMessage message;
    std::string kind;  // "state" | "job" | "refused"
    std::string deployment_id;
    std::string summary;  // for the log line: the state, job kind or refusal reason
};

Result<RenderedEntry> render_entry(const OutboxEntry& entry, const std::string& log_url_base);

// "2026-11-20T22:41:58.752Z" for milliseconds since the epoch; "" for 0 or "".
std::string rfc3339_from_ms(const std::string& millis);

}  // namespace strata::scheduler
