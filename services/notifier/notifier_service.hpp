// notifier: tells people. One GitHub check run per deployment, created on its first state and
// updated on every later one, never regressing (the last rendered seq is kept in Redis).
//
// Ack contract: acked when GitHub accepted the change, or when the message is older than what
// was already rendered; requeued on a GitHub, network or Redis failure (the queue's delivery
// limit bounds the attempts, then it is dead-lettered). Messages of one deployment are handled
// one at a time, in arrival order.
#pragma once

#include "strata/daemon.hpp"

namespace strata::notifier {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::notifier
