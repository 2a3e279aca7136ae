// scheduler: the only owner of queue and lock state (Redis). Consumes deploy and plan requests,
// executor reports (job.state) and the requests that steer queues (unlock, confirm, reject);
// publishes job.run to the executors and deployment.state / request.refused to the notifier.
//
// Ack contract: a message is acked once its transition is in Redis (one Lua script, which also
// writes the messages it causes to the outbox stream) and those messages are confirmed by the
// broker. On a Redis or broker failure it is requeued; the redelivery finds the recorded
// transition (idempotent by message id) and publishes whatever of its outbox is still there,
// with derived message ids, so consumers drop repeats. A message that does not decode is
// dead-lettered. Timers (lost leases, review deadlines, queue expiry) run every sweep_interval
// from deadlines kept in Redis; the outbox pump publishes entries left behind by a crash.
// Nothing lives only in this process: kill -9 at any point loses and doubles nothing.
#pragma once

#include "strata/daemon.hpp"

namespace strata::scheduler {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::scheduler
