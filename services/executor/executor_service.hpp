// executor: runs terraform for the jobs on the shared work queue; start as many as you like.
//
// Ack contract (skeleton): a job.run is acked when the job finished and its final job.state was
// confirmed by the broker; a job.state that could not be published makes the job requeued.
// A message that does not decode is dead-lettered. On SIGTERM the running job is stopped and
// requeued so another executor takes it.
#pragma once

#include "strata/daemon.hpp"

namespace strata::executor {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::executor
