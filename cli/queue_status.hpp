// `strata status`: the scheduler's queues of a repository's roots, read from Redis
// (docs/redis-keys.md). Read-only, and defensive: the scheduler owns these keys and may extend
// them, so a key of an unexpected type or a missing deployment hash is shown as such, never an
// error. Roots come from P:repo:<repo>:roots, or, when that set is absent, a SCAN of
// P:root:<repo>||*.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/redis.hpp"
#include "strata/result.hpp"

namespace strata::cli {

struct QueueRow {
    std::string position;  // "running", or "1", "2", ... in the order they will leave the queue
    std::string deployment_id;
    std::string state, revision, trigger, user, reason;  // "" when the hash is gone
    bool known = true;  // false: no P:dep:<id> (expired or not written yet)
};

struct RootQueue {
    std::string root;
    std::string lock;                // "" unlocked; else who locked it, for people
    std::string last_attempted;      // revision
    std::vector<QueueRow> rows;      // the running one first, then manual, then merge items
    std::vector<std::string> notes;  // keys that could not be read as documented
};

// Sends one command and waits for its answer (the caller's loop runs meanwhile).
using RedisCall = std::function<Result<RedisReply>(std::vector<std::string>)>;

// roots: only these (all of the repository's when empty).
Result<std::vector<RootQueue>> read_queues(const RedisCall& call, const std::string& prefix,
                                           const std::string& repo,
                                           const std::vector<std::string>& roots);

// A table, one line per queue entry, then hints (how to confirm a deployment awaiting review).
std::string render_queues(const std::string& repo, const std::vector<RootQueue>& queues);

}  // namespace strata::cli
