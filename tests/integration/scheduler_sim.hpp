// The world of the randomised model test: the real scheduler (RequestRouter and DeploymentStore
// on a private Redis that can be restarted), simulated broker queues, executors that follow
// docs/job-protocol.md (and die, come back, or shut down), a virtual clock, and the Model fed
// the same inputs. Every step that changes the scheduler's state is checked against the model;
// invariants are checked on the way and at the end (see check_final).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "scheduler_harness.hpp"
#include "scheduler_model.hpp"

namespace strata::testing {
class RedisServer;
}

namespace strata::scheduler::testing {

struct SimMessage {
    std::string key, body, id;
};

struct SimStats {
    long long steps = 0, messages = 0, crashes = 0, scheduler_restarts = 0, redis_restarts = 0,
              redis_crashes = 0;
    long long executor_deaths = 0, applies = 0, refused = 0, stale = 0;
    long long pauses = 0, zombie_reports = 0;   // executors frozen, late reports on resuming
    std::map<std::string, long long> outcomes;  // deployments by final state
};

class World {
public:
    // redis_server may be null: no Redis restarts then.
    World(StoreHarness& h, strata::testing::RedisServer* redis_server, std::uint64_t seed,
          bool allow_redis_restart);

    // Random steps, then drains until everything finished. Failures are gtest failures with
    // the seed in their message.
    void run(int steps);
    void check_final();
    const SimStats& stats() const { return stats_; }

private:
    struct ExecJob {
        JobRun job;
        std::string stage;  // taken, started, planning, held, applying
        PlanSummary plan;
    };
    struct Executor {
        std::string id;
        bool alive = true;
        // Frozen (a long GC pause, a network partition): takes no step and renews nothing, so
        // its leases expire; on resuming it first reports its next step without renewing, as a
        // process that woke up would, and the scheduler must refuse what became stale.
        bool paused = false;
        std::map<std::string, ExecJob> jobs;  // by job id
    };

    void random_step();
    bool drained() const;
    void drain_step(bool chaos);
    void kill_someone(Executor& fallback);
    void random_fault();

    // Requests.
    void merge();
    void manual();
    void unlock_some();
    void review_some(const std::string& action);
    void send(const std::string& key, std::string body, const std::string& id);

    // The scheduler.
    void deliver(bool may_crash);
    void publish(const Transition& t);
    void tick();
    void restart_scheduler();
    void restart_redis();
    void pump();
    void compare(const std::string& after);
    void register_scripts();

    // Executors.
    void executor_step(Executor& e);
    void advance_job(Executor& e, ExecJob& j, bool renew_first = true);
    void pause(Executor& e);
    void resume(Executor& e);
    void report(Executor& e, const JobRun& job, const std::string& state,
                const std::string& order = "", std::optional<PlanSummary> plan = {},
                const std::string& detail = "");
    void renew_all();
    void kill(Executor& e);
    void shut_down(Executor& e);
    std::string order_of(const std::string& revision, const std::string& last) const;

    // Redis with retries over a restart.
    std::vector<ExpiredLease> expired_leases();

    bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }
    int pick(int n) { return std::uniform_int_distribution<>(0, n - 1)(rng_); }
    std::string where() const;

    StoreHarness& h_;
    strata::testing::RedisServer* server_;
    std::uint64_t seed_;
    bool allow_redis_restart_;
    std::mt19937_64 rng_;
    Model model_;
    SimStats stats_;
    std::vector<std::string> roots_ = {"r0", "r1", "r2"};
    int head_ = 0, branches_ = 0, ids_ = 0;
    std::deque<SimMessage> inbox_, work_;
    std::map<std::string, std::deque<SimMessage>> own_;
    std::vector<Executor> executors_;
    std::map<std::string, std::vector<DeploymentState>> notified_;      // by deployment
    std::map<std::string, int> applies_;                                // apply runs per deployment
    std::map<std::string, std::vector<std::string>> merges_requested_;  // in acceptance order
    std::vector<std::string> requested_;   // deploy request message ids
    std::map<std::string, bool> refused_;  // by request message id
    std::string last_op_;
};

}  // namespace strata::scheduler::testing
