// notifier: tells people. Four channels, each consuming its own RabbitMQ queue so that none
// ever waits on another (topology.hpp): GitHub check runs (strata.notifier: deployment.state,
// config.invalid, root.deleted, request.refused), pull-request plan comments
// (strata.notifier.comments), Slack (strata.notifier.slack) and the SNS apply audit stream
// (strata.notifier.sns). A channel with nothing configured acks what it receives.
//
// Ack contract (per channel, see delivery_queue.hpp): a message is acked once delivered (or
// covered: a check run already showing a newer state, an audit event already published), or
// dead-lettered with the reason when it can never be delivered (undecodable, refused by the
// service) or after delivery_max_attempts failed attempts. Retries happen in the process with
// exponential backoff and jitter, honouring Retry-After and GitHub's rate-limit headers; on
// shutdown, messages not being attempted are handed back to the broker. Redelivery is harmless:
// what was delivered is recorded in Redis (seq per check run, markers per message and event).
// The scheduler never waits on the notifier, so a notification failure never blocks a
// deployment.
#pragma once

#include "strata/daemon.hpp"

namespace strata::notifier {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::notifier
