// planner: turns events into work per root. Consumes event.push; for a push to the default
// branch publishes deploy.requested (trigger "merge") for every affected root.
//
// Ack contract: acked once every deploy.requested is confirmed by the broker (or the event needs
// no work); requeued on a broker or git failure (bounded by the queue's delivery limit);
// dead-lettered when the message does not decode or the revision does not exist upstream.
#pragma once

#include "strata/daemon.hpp"

namespace strata::planner {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::planner
