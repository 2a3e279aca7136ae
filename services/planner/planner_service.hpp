// planner: turns repository events and deploy triggers into work per root (SPEC.md, "planner").
//
// Consumes the planner queue (topology::planner()): event.push (default branch) ->
// deploy.requested "merge" per affected root, in dependency order, plus root.deleted;
// event.pull_request opened/synchronize/reopened/ready_for_review -> plan.requested per affected
// root, closed -> plan.cancelled; event.issue_comment `plan` -> plan.requested "comment";
// event.merge_group checks_requested -> plan.requested "merge_group"; event.check_run /
// event.check_suite rerequested (default branch only) -> deploy.requested "manual" rerun;
// trigger.deploy -> deploy.requested "manual" for the named roots. An invalid repo config
// becomes config.invalid (for the notifier's check run); a request that cannot be honoured,
// request.refused. Other actions (the scheduler's buttons and commands, installation, ping) are
// acknowledged without effect.
//
// Ack contract: a delivery is acked only after every message it produced is confirmed by the
// broker (message ids derive from the cause's id, root and revision, so a redelivery publishes
// nothing new downstream). Requeued on a broker, git or network failure (bounded by the queue's
// delivery limit). Dead-lettered with the reason when it does not decode, when a push's commit
// does not exist upstream, and for a trigger.deploy that cannot be honoured (unknown repository,
// revision, branch or root; after publishing request.refused); those are counted in
// strata_planner_invalid_triggers_total.
#pragma once

#include "strata/daemon.hpp"

namespace strata::planner {

DaemonInfo daemon_info();
Result<std::unique_ptr<Service>> make_service(const Config& config);

}  // namespace strata::planner
