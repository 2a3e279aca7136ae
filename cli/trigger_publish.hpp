// Building a manual trigger from the command line and publishing it with a publisher confirm.
#pragma once

#include <chrono>
#include <string>

#include "cli_options.hpp"
#include "strata/amqp.hpp"
#include "strata/result.hpp"

namespace strata::cli {

struct BuiltTrigger {
    OutgoingMessage message;  // routing key = type; message id = envelope id = correlation id
    std::string summary;      // one line for the person: what will be asked
};

// The trigger of a deploy/unlock/confirm/reject request, validated as its consumer will
// (strata/triggers.hpp): an error here is a usage error.
Result<BuiltTrigger> build_trigger(const CliRequest& request);

// Connects, publishes (persistent, mandatory) and waits for the broker's confirm. Errors say
// what went wrong for the person: broker unreachable, unroutable (no queue bound: the pipeline
// never ran on this exchange), refused, or no confirm within the timeout.
Result<void> publish_confirmed(const AmqpOptions& options, OutgoingMessage message,
                               std::chrono::milliseconds timeout);

}  // namespace strata::cli
