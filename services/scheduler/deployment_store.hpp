// The scheduler's state in Redis, changed only through atomic Lua scripts (lua/*.lua; key layout
// in docs/redis-keys.md). Each transition also appends the messages it causes to the outbox
// stream P:outbox in the same script, and returns them; the caller publishes them and then
// removes them (outbox_done). A transition is idempotent by the id of the message that caused
// it: a redelivery returns status "duplicate" with those of its entries not yet removed, and
// changes nothing. Timer work (tick) needs no message id: it acts on the state as it is.
//
// Runs on the loop thread of the RedisClient; every callback is called once, on that thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler_config.hpp"
#include "strata/messages.hpp"
#include "strata/redis.hpp"

namespace strata::scheduler {

struct OutboxEntry {
    std::string id;                   // stream entry id
    std::vector<std::string> fields;  // field, value, field, value...: see outbox.hpp
};

struct Transition {
    // ok | duplicate | refused (a request.refused is in entries) | stale (a job state with an
    // old fencing token, or of a finished job) | invalid (a step that makes no sense) | ignored
    std::string status;
    std::vector<OutboxEntry> entries;
};

using TransitionCallback = std::function<void(Result<Transition>)>;

// Who asked: the message handled (idempotency key) and its correlation id.
struct Cause {
    std::string message_id;
    std::string correlation_id;
};

struct UnlockRequest {
    RepoRef repo;
    std::string deployment_id;       // the check run's Unlock button, or
    std::vector<std::string> roots;  // root names, or
    bool all_roots = false;          // every locked root of the repository
    std::string user;
};

struct ReviewRequest {
    std::string action;  // "confirm" | "reject"
    RepoRef repo;        // when known (refusals name it)
    std::string deployment_id;
    std::string root;  // root name, with repo, when there is no deployment id
    std::string user;
    std::string reason;
    std::vector<std::string> roots;  // more root names (a `strata confirm a b` comment)
    // The user's membership of the teams among the reviewers (team_membership.hpp), asked of
    // GitHub before the script runs; a team without a verdict here is "not checked".
    std::map<std::string, std::string> team_verdicts;
};

struct TickSettings {
    std::chrono::milliseconds lease_timeout{60'000};
    int max_plan_attempts = 3;
    int limit = 200;  // per kind of timer and tick
};

// One deployment as stored (tests, status).
struct DeploymentRecord {
    std::string id;
    std::map<std::string, std::string> fields;  // the whole hash
    std::string state, phase, revision, trigger, job_id, reason, executor, last_attempted;
    long long seq = 0, fence = 0;
    std::vector<QueueEntry> queue_ahead;
};

class DeploymentStore {
public:
    // clock: milliseconds of a virtual clock for tests; empty = Redis' own clock (TIME).
    DeploymentStore(RedisClient& redis, std::string prefix,
                    std::function<long long()> clock = nullptr);

    static std::string root_key(std::string_view repo, std::string_view root);  // "o/r||root"

    void enqueue(const Cause& cause, const std::string& deployment_id, const DeployRequested& r,
                 const RootPolicy& policy, TransitionCallback done);
    void request_plan(const Cause& cause, const std::string& deployment_id, const PlanRequested& r,
                      TransitionCallback done);
    void cancel_plans(const Cause& cause, const PlanCancelled& c, TransitionCallback done);
    void record_job_state(const Cause& cause, const JobState& s, TransitionCallback done);
    void unlock(const Cause& cause, const UnlockRequest& u, TransitionCallback done);
    void review(const Cause& cause, const ReviewRequest& r, TransitionCallback done);
    void tick(const TickSettings& settings, TransitionCallback done);

    // Entries older than grace (their publisher presumably died), oldest first.
    void outbox_due(std::chrono::milliseconds grace, int limit, TransitionCallback done);
    // Removes published entries.
    void outbox_done(const std::vector<std::string>& entry_ids,
                     std::function<void(Result<void>)> done);

    void describe(const std::string& deployment_id,
                  std::function<void(Result<DeploymentRecord>)> done);
    // The id of the deployment in flight of each named root of repo ("" where none).
    void inflight(const std::string& repo, const std::vector<std::string>& roots,
                  std::function<void(Result<std::vector<std::string>>)> done);

private:
    void run(const std::string& script, const Cause& cause, std::string argument,
             const std::string& what, TransitionCallback done);

    RedisClient& redis_;
    std::string prefix_;
    std::function<long long()> clock_;
};

Result<Transition> parse_transition(const RedisReply& reply);
Result<DeploymentRecord> parse_record(const std::string& id, const RedisReply& reply);
std::string repo_json(const RepoRef& repo);
std::string root_json(const RootRef& root);
std::string plan_json(const PlanSummary& plan);

}  // namespace strata::scheduler
