// What the executor service keeps per deployment in its hands, and a guard for callbacks that
// may run after the service is gone. Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "job_runner.hpp"
#include "live_log.hpp"
#include "strata/messages.hpp"

namespace strata::executor {

// One deployment in this executor's hands, keyed <deployment id>:<fence>.
struct InHand {
    enum class Phase { Planning, Held, Applying };
    JobRun job;                // the deploy or plan job
    std::string lease_job_id;  // the lease renewed now: the plan's, then the apply's
    Origin origin;
    std::shared_ptr<JobRunner> runner;
    std::shared_ptr<LiveLog> log;
    Phase phase = Phase::Planning;
    bool holds_slot = false;
    bool lost = false;  // the lease is lost: no more reports, the work dir goes
};

// Wraps a callback so that it does nothing once its owner is gone (the loop may still run
// callbacks of work queued before, while it closes).
template <class F>
auto guarded(std::shared_ptr<bool> alive, F f) {
    return [alive = std::move(alive), f = std::move(f)](auto&&... args) mutable {
        if (*alive) f(std::forward<decltype(args)>(args)...);
    };
}

}  // namespace strata::executor
