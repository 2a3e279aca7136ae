// Strata's messages: an envelope around a typed payload, one JSON Schema per type in schemas/.
// The routing key of a message is its type. Decoding validates and returns a clear error; a
// message that does not decode is dead-lettered with that error, never requeued.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// ---- payloads -------------------------------------------------------------------------------

struct RepoRef {
    std::string full_name;  // "acme/infra"
    std::string clone_url;
    std::string default_branch;
    long long installation_id = 0;  // 0: none
};

// event.push: a branch or tag was pushed.
struct PushEvent {
    static constexpr std::string_view kType = "event.push";
    static constexpr int kVersion = 1;
    RepoRef repo;
    std::string ref;     // "refs/heads/main"
    std::string before;  // all zeros for a new branch
    std::string after;   // all zeros for a deleted branch
    std::string pusher;
    bool forced = false;
};

struct RootRef {
    std::string name;
    std::string dir;
    std::string workspace = "default";
    std::string terraform_version;  // "" = default binary
};

// deploy.requested: planner -> scheduler, one per affected root of a default-branch commit.
struct DeployRequested {
    static constexpr std::string_view kType = "deploy.requested";
    static constexpr int kVersion = 1;
    RepoRef repo;
    RootRef root;
    std::string revision;
    std::string ref;
    std::string trigger;  // "merge" | "manual"
    std::string user;
    std::vector<std::string> upstream_roots;  // roots of the same revision that must deploy first
};

struct PlanSummary {
    int add = 0, change = 0, destroy = 0, replace = 0, import = 0, move = 0;
    std::vector<std::string> resources;  // addresses with their action, e.g. "+ aws_s3_bucket.a"
    bool has_changes() const { return add + change + destroy + replace + import + move > 0; }
};

// job.run: scheduler -> executors (shared work queue, or one executor's own queue).
struct JobRun {
    static constexpr std::string_view kType = "job.run";
    static constexpr int kVersion = 1;
    std::string job_id;
    std::string deployment_id;
    std::string kind;  // "deploy": plan then apply when no review is needed; "plan"; "apply"
    RepoRef repo;
    RootRef root;
    std::string revision;
    long long fencing_token = 0;
    std::string last_attempted_revision;  // "" when none
    bool needs_review = false;
};

// job.state: executor -> scheduler, every step of a job.
struct JobState {
    static constexpr std::string_view kType = "job.state";
    static constexpr int kVersion = 1;
    std::string job_id;
    std::string deployment_id;
    long long fencing_token = 0;
    std::string executor_id;
    std::string state;  // planning | planned | applying | succeeded | failed | timed_out
    std::optional<PlanSummary> plan;
    std::string detail;  // error text or output tail, secrets redacted
};

struct QueueEntry {
    std::string deployment_id;
    std::string revision;
    std::string trigger;
};

// deployment.state: scheduler -> notifier, every state change of a deployment.
struct DeploymentState {
    static constexpr std::string_view kType = "deployment.state";
    static constexpr int kVersion = 1;
    std::string deployment_id;
    long long seq = 0;  // increases with every change of this deployment
    RepoRef repo;
    RootRef root;
    std::string revision;
    std::string kind;  // "deploy" | "plan"
    std::string trigger;
    std::string user;
    std::string state;  // queued | planning | awaiting_review | applying | succeeded | failed ...
    std::string reason;
    std::optional<PlanSummary> plan;
    std::vector<QueueEntry> queue_ahead;
    std::string log_url;
    std::string updated_at;
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
