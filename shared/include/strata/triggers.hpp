// Manual triggers (trigger.deploy / unlock / confirm / reject; docs/triggers.md), published by
// the strata CLI or by any AMQP client. Their decoders check types and required fields; the rules
// here go further (a repository is owner/name, a revision a full SHA, a deploy names roots and
// not both a revision and a branch, a review names its deployment), so that the CLI never
// publishes what its consumer would refuse, and the consumer refuses with a clear reason.
//
// A consumer receiving a trigger that fails here calls dead_letter_invalid: the message goes to
// the queue's DLQ with the reason (header x-strata-reason) and is logged and counted, never
// dropped silently nor requeued.
#pragma once

#include <string>
#include <string_view>

#include "strata/amqp.hpp"
#include "strata/messages.hpp"
#include "strata/metrics.hpp"
#include "strata/result.hpp"

namespace strata {

Result<void> validate_trigger(const TriggerDeploy& t);
Result<void> validate_trigger(const TriggerUnlock& t);
Result<void> validate_trigger(const TriggerConfirm& t);
Result<void> validate_trigger(const TriggerReject& t);

// decode<T> and then validate_trigger; errors read "invalid trigger.deploy: <what>".
template <class T>
Result<Message<T>> decode_trigger(std::string_view body) {
    auto message = decode<T>(body);
    if (!message) return message.error();
    if (auto valid = validate_trigger(message->payload); !valid)
        return valid.error().context("invalid " + std::string(T::kType));
    return message;
}

// Logs the delivery (queue, routing key, message id, reason) at error level, counts it in
// strata_messages_dead_lettered_total{queue, routing_key}, and dead-letters it with the reason.
// Loop thread (like every DeliveryControl call).
void dead_letter_invalid(Metrics& metrics, const Delivery& delivery, DeliveryControl& control,
                         const std::string& reason);

}  // namespace strata
