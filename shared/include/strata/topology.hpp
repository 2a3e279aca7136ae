// The queues of the pipeline and what is bound to them. Every daemon declares all of them (the
// framework adds those a service does not consume), so a message published before its consumer
// first started is kept, never returned as unroutable.
// The names are those on the default exchange "strata"; on exchange X the broker's queue is
// "X.<rest>" (e.g. "X.planner"), so pipelines sharing a broker keep apart (amqp_connection.cpp).
#pragma once

#include <string>
#include <vector>

#include "strata/amqp.hpp"

namespace strata::topology {

// Repository events and deploy triggers: the planner turns them into work per root.
inline QueueSpec planner() {
    return {"strata.planner",
            {"event.push", "event.pull_request", "event.check_run", "event.check_suite",
             "event.issue_comment", "event.merge_group", "event.installation", "event.ping",
             "trigger.deploy"},
            20,
            8,
            true};
}
// Work requests, executor reports, and the requests that steer queues (buttons, comments, CLI).
inline QueueSpec scheduler() {
    return {"strata.scheduler",
            {"deploy.requested", "plan.requested", "plan.cancelled", "job.state", "trigger.unlock",
             "trigger.confirm", "trigger.reject", "event.check_run", "event.issue_comment"},
            20,
            32,
            true};
}
// Shared work queue of the executors; prefetch 1 per job slot.
inline QueueSpec executor_work() { return {"strata.executor.work", {"job.run"}, 5, 1, true}; }
// One executor's own queue, for the apply of a plan it holds (routing key job.run.<id>).
inline QueueSpec executor_own(const std::string& executor_id) {
    return {"strata.executor." + executor_id, {"job.run." + executor_id}, 5, 1, true};
}
inline QueueSpec notifier() {
    return {"strata.notifier",
            {"deployment.state", "config.invalid", "root.deleted", "request.refused"},
            50,
            16,
            true};
}

// The notifier's other channels, a queue each, so that one channel's outage or retries never
// hold up another (notifier() above feeds the GitHub check runs): pull-request plan comments,
// Slack, and the SNS audit stream.
inline QueueSpec notifier_comments() {
    return {"strata.notifier.comments", {"deployment.state"}, 50, 16, true};
}
inline QueueSpec notifier_slack() {
    return {"strata.notifier.slack", {"deployment.state"}, 50, 16, true};
}
inline QueueSpec notifier_sns() {
    return {"strata.notifier.sns", {"deployment.state"}, 50, 16, true};
}

inline std::vector<QueueSpec> all() {
    return {planner(),           scheduler(),      executor_work(), notifier(),
            notifier_comments(), notifier_slack(), notifier_sns()};
}

}  // namespace strata::topology
