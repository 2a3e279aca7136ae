// executor: runs terraform for the jobs the scheduler dispatches; start as many as you like.
// The protocol with the scheduler is docs/job-protocol.md; how it runs terraform, docs/executor.md.
//
// Queues: the shared work queue (deploy and plan jobs; consumed while a job slot is free: the
// consumer is paused before the ack that fills the last slot) and this executor's own queue
// job.run.<executor_id> (apply and discard of the plans it holds; always consumed).
//
// Ack contract: a job.run is acked once its lease is recorded in Redis (or once it is known to be
// stale or held by another executor: then nothing else happens), never after the job: a long
// apply must not meet the broker's consumer timeout, and a killed executor's jobs are found by
// the scheduler's lease sweeper, not by redelivery. Redis unreachable: requeued (delayed). A
// message that does not decode is dead-lettered. States are published in order per deployment
// and retried until confirmed (state_outbox.hpp). A redelivered job already in hand is acked.
//
// SIGTERM: stop taking jobs; a plan in progress is stopped (SIGTERM, then SIGKILL to its process
// group) and reported released, as is every held plan; an apply runs to its end (within
// shutdown_deadline); deliveries not yet taken are requeued.
#pragma once

#include "strata/daemon.hpp"

namespace strata::executor {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::executor
