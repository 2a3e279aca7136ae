// scheduler: the only owner of queue and lock state (Redis). Consumes deploy.requested and
// job.state; publishes job.run to the executors and deployment.state to the notifier.
//
// Ack contract: a message is acked once its transition is in Redis and every message it causes
// is confirmed by the broker. On a Redis or broker failure it is requeued; the redelivery finds
// the recorded transition (idempotent by message id) and publishes the current state again, with
// message ids derived from (deployment, seq) and the job id, so consumers drop the repeats.
// A message that does not decode is dead-lettered.
#pragma once

#include "strata/daemon.hpp"

namespace strata::scheduler {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::scheduler
