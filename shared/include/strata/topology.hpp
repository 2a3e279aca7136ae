// The queues of the pipeline and what is bound to them. Every daemon declares all of them (the
// framework adds those a service does not consume), so a message published before its consumer
// first started is kept, never returned as unroutable.
// The names are those on the default exchange "strata"; on exchange X the broker's queue is
// "X.<rest>" (e.g. "X.planner"), so pipelines sharing a broker keep apart (amqp_connection.cpp).
#pragma once

#include <vector>

#include "strata/amqp.hpp"

namespace strata::topology {

inline QueueSpec planner() { return {"strata.planner", {"event.push"}, 20, 8, true}; }
inline QueueSpec scheduler() {
    return {"strata.scheduler", {"deploy.requested", "job.state"}, 20, 32, true};
}
// Shared work queue of the executors; prefetch 1 per job slot.
inline QueueSpec executor_work() { return {"strata.executor.work", {"job.run"}, 5, 1, true}; }
inline QueueSpec notifier() { return {"strata.notifier", {"deployment.state"}, 50, 16, true}; }

inline std::vector<QueueSpec> all() {
    return {planner(), scheduler(), executor_work(), notifier()};
}

}  // namespace strata::topology
