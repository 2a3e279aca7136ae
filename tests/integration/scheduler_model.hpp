// A plain in-memory model of the scheduler's rules (no Redis, no Lua), for the randomised model
// test: the same requests and reports go to the model and to the real scheduler, and their
// states must agree after every step. Deploys only (pull-request plans, coalescing and queue
// expiry have their own named tests); reviewers unrestricted, one approval needed.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "strata/payloads.hpp"

namespace strata::scheduler::testing {

struct ModelDeployment {
    std::string id, root, revision, trigger;
    bool rerun = false, force = false;
    std::vector<std::string> upstream;
    std::string state = "queued", phase = "queue";
    long long fence = 0;
    int attempt = 0;
    std::string job_id, apply_job_id, executor, order, plan, confirmed_plan, last_given;
    std::vector<std::string> approvals;
    bool plan_lost = false;
    long long review_deadline = 0;  // 0: none
};

struct ModelRoot {
    std::deque<std::string> manual, merge;
    bool locked = false;
    std::string inflight, last_attempted;
    long long fence = 0;
    std::set<std::string> dependents;
};

// A lease the sweeper found expired, as it was in Redis.
struct ExpiredLease {
    std::string job_id, deployment, kind;
    long long fence = 0;
    bool apply_lease_fresh = false;  // the deployment's apply job holds a fresh lease
};

// What a job sent to an executor looks like in the model.
struct ModelJob {
    std::string job_id, kind, routing;
    long long fence = 0;
    bool operator<(const ModelJob& o) const { return job_id < o.job_id; }
    bool operator==(const ModelJob& o) const {
        return job_id == o.job_id && kind == o.kind && routing == o.routing && fence == o.fence;
    }
};

class Model {
public:
    long long review_timeout_ms = 3 * 60 * 1000;
    int max_attempts = 3;

    // Each returns the status the scheduler must answer: ok, refused, stale, invalid or
    // duplicate; jobs() then holds the jobs it must have sent.
    std::string deploy(const std::string& message_id, const std::string& deployment_id,
                       const DeployRequested& r, long long now);
    std::string job_state(const std::string& message_id, const JobState& s, long long now);
    std::string unlock(const std::string& message_id, const std::string& root);
    std::string review(const std::string& message_id, const std::string& action,
                       const std::string& deployment_id, const std::string& user);
    void tick(const std::vector<ExpiredLease>& expired, long long now);

    const std::set<ModelJob>& jobs() const { return jobs_; }
    std::map<std::string, ModelDeployment> deployments;
    std::map<std::string, ModelRoot> roots;
    static bool terminal(const std::string& state);

private:
    bool seen(const std::string& message_id);
    void start_job(ModelDeployment& d);
    void start_apply(ModelDeployment& d, const std::string& executor);
    void discard(const ModelDeployment& d);
    void finish(ModelDeployment& d, const std::string& state, bool attempted, bool discard);
    void plan_lost(ModelDeployment& d);
    void after_plan(ModelDeployment& d, bool changes, const std::string& executor, long long now);
    std::string upstream_gate(ModelDeployment& d);  // go | wait | skip
    void dispatch(const std::string& root);
    void wake(const std::string& root);
    void run_wakeups();

    std::set<std::string> processed_;
    std::set<ModelJob> jobs_;
    std::map<std::string, std::string> by_revision_;  // root|revision -> latest deployment
    std::vector<std::string> wake_list_;
    std::set<std::string> wake_set_;
};

}  // namespace strata::scheduler::testing
