// Maps every message the scheduler consumes to its transition in the DeploymentStore: deploy and
// plan requests, executor reports, and the requests that steer queues (trigger.unlock/confirm/
// reject from the CLI, check-run buttons, `strata unlock|confirm|reject <root>...` comments). No
// AMQP here: the service publishes what the transition returns, and the model test drives this
// class directly.
#pragma once

#include <functional>
#include <string>

#include "deployment_store.hpp"
#include "scheduler_config.hpp"
#include "strata/amqp.hpp"

namespace strata::scheduler {

struct Handled {
    enum class Outcome {
        Done,        // transition in `transition` (status "ignored" when nothing applies)
        DeadLetter,  // the message can never succeed (does not decode, names nothing)
        Retry,       // transient failure (Redis): requeue, the redelivery is harmless
    };
    Outcome outcome = Outcome::Done;
    Transition transition;
    std::string error;
    std::string correlation_id;
};

class RequestRouter {
public:
    RequestRouter(DeploymentStore& store, const SchedulerSettings& settings);

    // routing_key: the message type; body: the encoded message. done is called once.
    void handle(const std::string& routing_key, const std::string& body,
                std::function<void(Handled)> done);

    // The deployment id given to the deploy request (or plan request) with this message id.
    static std::string deployment_id_for(const std::string& message_id);
    static std::string plan_id_for(const std::string& message_id);

private:
    DeploymentStore& store_;
    const SchedulerSettings& settings_;
};

}  // namespace strata::scheduler
