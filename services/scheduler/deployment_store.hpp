// The scheduler's state in Redis, changed only through atomic Lua scripts (lua/*.lua; key layout
// in docs/redis-keys.md). Every transition is idempotent by the id of the message that caused
// it: a redelivered message returns the recorded outcome and changes nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/messages.hpp"
#include "strata/redis.hpp"

namespace strata::scheduler {

struct Transition {
    std::string status;                   // "ok", "duplicate", "stale", "invalid"
    std::vector<std::string> touched;     // deployments whose state changed
    std::vector<std::string> dispatched;  // deployments whose job must be sent to an executor
};

// One deployment as stored.
struct DeploymentRecord {
    std::string id;
    RepoRef repo;
    RootRef root;
    std::string revision, ref, trigger, user, state, reason, job_id, last_attempted, executor;
    long long seq = 0;
    long long fence = 0;
    std::optional<PlanSummary> plan;
    std::vector<QueueEntry> queue_ahead;
};

using TransitionCallback = std::function<void(Result<Transition>)>;

class DeploymentStore {
public:
    DeploymentStore(RedisClient& redis, std::string prefix);

    static std::string root_key(const RepoRef& repo, const RootRef& root);  // "o/r||root"

    void enqueue(const std::string& message_id, const std::string& deployment_id,
                 const DeployRequested& request, TransitionCallback done);
    void record_job_state(const std::string& message_id, const JobState& state,
                          TransitionCallback done);
    void describe(const std::string& deployment_id,
                  std::function<void(Result<DeploymentRecord>)> done);

private:
    RedisClient& redis_;
    std::string prefix_;
};

// Exposed for tests.
Result<Transition> parse_transition(const RedisReply& reply);
Result<DeploymentRecord> parse_record(const std::string& id, const RedisReply& reply);

}  // namespace strata::scheduler
