// Renders a deployment state as a GitHub check run (REST API body), within GitHub's limits.
// A plain function of its input: no I/O.
#pragma once

#include <string>

#include "strata/messages.hpp"

namespace strata::notifier {

struct CheckRunView {
    std::string status;      // queued | in_progress | completed
    std::string conclusion;  // when completed: success | failure | timed_out | skipped | ...
    std::string title;
    std::string summary;  // Markdown, at most 65,535 characters
};

CheckRunView render_check_run(const DeploymentState& state);

// "strata/deploy: <root>" (or "strata/plan: <root>" for pull-request plans).
std::string check_run_name(const DeploymentState& state);

// The JSON body of POST /repos/{owner}/{repo}/check-runs (create) or PATCH .../{id} (update).
std::string check_run_body(const DeploymentState& state, bool create);

}  // namespace strata::notifier
