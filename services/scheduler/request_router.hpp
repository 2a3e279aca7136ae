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
#include "team_membership.hpp"

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

// Reviews (Confirm/Reject) by a user not listed by login where the reviewers name teams: the
// user's membership of those teams is asked of GitHub first (TeamMembership; the deployment's
// reviewers as stored, read with describe: by deployment id, or those of the deployments in
// flight of the named roots with the roots' policies), and the verdicts go into the
// review script, which alone decides. Without `teams` (nullptr) no team is ever checked, so a
// team never admits anyone.
class RequestRouter {
public:
    RequestRouter(DeploymentStore& store, const SchedulerSettings& settings,
                  TeamMembership* teams = nullptr);

    // routing_key: the message type; body: the encoded message. done is called once.
    void handle(const std::string& routing_key, const std::string& body,
                std::function<void(Handled)> done);

    // The deployment id given to the deploy request (or plan request) with this message id.
    static std::string deployment_id_for(const std::string& message_id);
    static std::string plan_id_for(const std::string& message_id);

private:
    void review(const Cause& cause, ReviewRequest r, TransitionCallback done);
    void review_with_teams(const Cause& cause, ReviewRequest r,
                           const std::vector<std::string>& reviewers, TransitionCallback done);
    // Adds the reviewers recorded by each deployment of ids (then reviews with teams).
    void review_with_recorded(const Cause& cause, ReviewRequest r,
                              std::vector<std::string> reviewers, std::vector<std::string> ids,
                              TransitionCallback done);

    DeploymentStore& store_;
    const SchedulerSettings& settings_;
    TeamMembership* teams_;
};

}  // namespace strata::scheduler
