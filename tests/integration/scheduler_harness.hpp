// Test harness of the scheduler's Redis state (DeploymentStore, RequestRouter) on a real Redis:
// synchronous wrappers that run the loop until the script answered, decoding of what a
// transition would publish, an executor stand-in that takes, renews and ends leases the way
// docs/job-protocol.md says, and a virtual clock for timers.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deployment_store.hpp"
#include "request_router.hpp"
#include "strata/loop.hpp"
#include "strata/redis.hpp"

namespace strata::scheduler::testing {

// What a transition publishes, decoded as its consumers would see it.
struct Published {
    std::vector<DeploymentState> states;
    std::vector<std::pair<std::string, JobRun>> jobs;  // routing key, job
    std::vector<RequestRefused> refusals;

    std::vector<std::string> states_of(const std::string& deployment_id) const;
    // The last state published for a deployment, "" when none.
    std::string last_state(const std::string& deployment_id) const;
    std::optional<DeploymentState> last(const std::string& deployment_id) const;
    std::vector<JobRun> jobs_of_kind(const std::string& kind) const;
};
Published decode(const Transition& t);

inline const RepoRef kRepo{"acme/infra", "https://github.com/acme/infra.git", "main", 7};

// A 40-hex revision from a small number, so tests read "rev(3)".
std::string rev(int n);
DeployRequested deploy_request(const std::string& revision, const std::string& trigger,
                               const std::string& root = "network",
                               std::vector<std::string> upstream = {});

class StoreHarness {
public:
    // An own key prefix on redis_url; the virtual clock starts at a fixed time.
    explicit StoreHarness(std::string redis_url, std::string prefix = "");
    ~StoreHarness();

    // A new Redis connection and store, as a restarted scheduler would have.
    void restart_scheduler();
    bool wait_connected(std::chrono::milliseconds deadline = std::chrono::seconds(10));

    // Each returns the transition; deployment ids of requests come from message ids.
    Result<Transition> deploy(const std::string& message_id, const DeployRequested& r,
                              const RootPolicy& policy = {});
    Result<Transition> plan(const std::string& message_id, const PlanRequested& r);
    Result<Transition> cancel(const std::string& message_id, const PlanCancelled& c);
    Result<Transition> job_state(const std::string& message_id, const JobState& s);
    Result<Transition> unlock(const std::string& message_id, const UnlockRequest& u);
    Result<Transition> review(const std::string& message_id, const ReviewRequest& r);
    Result<Transition> tick(std::chrono::milliseconds lease_timeout = std::chrono::seconds(60),
                            int max_plan_attempts = 3);
    Result<Transition> outbox_due(std::chrono::milliseconds grace);
    Result<void> outbox_done(const Transition& t);
    // Through the RequestRouter, as the daemon does: routing key and encoded message.
    Handled route(const std::string& routing_key, const std::string& body);

    Result<DeploymentRecord> describe(const std::string& deployment_id);
    Result<RedisReply> call(std::vector<std::string> argv);
    std::string root_key(const std::string& root, const std::string& suffix) const;

    static std::string deployment_id(const std::string& message_id) {
        return RequestRouter::deployment_id_for(message_id);
    }

    // ---- executor stand-in (docs/job-protocol.md, executor side) ----
    // Take: refuses a stale job (fence not the deployment's) or one taken before (its lease
    // exists); records the lease (renewed now). Returns false when refused.
    bool take(const JobRun& job, const std::string& executor);
    // Renews a lease; false when it is lost (gone, another executor's, or the fence moved on).
    bool renew(const std::string& job_id, const std::string& executor);
    void end_lease(const std::string& job_id);
    // A job.state of job from executor.
    static JobState report(const JobRun& job, const std::string& executor, const std::string& state,
                           const std::string& order = "",
                           std::optional<PlanSummary> plan = std::nullopt,
                           const std::string& detail = "");

    long long now_ms = 1'800'000'000'000;  // the virtual clock the scripts see
    void advance(std::chrono::milliseconds d) { now_ms += d.count(); }

    Loop loop;
    std::string redis_url;
    std::string prefix;
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<DeploymentStore> store;
    SchedulerSettings settings;
    std::unique_ptr<RequestRouter> router;

private:
    Result<Transition> wait(std::function<void(TransitionCallback)> start);
};

PlanSummary changes(int add);  // a plan adding `add` resources (0: no changes)

}  // namespace strata::scheduler::testing
