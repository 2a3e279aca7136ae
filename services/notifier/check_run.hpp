// Renders what the notifier receives as GitHub check runs (REST API bodies), within GitHub's
// limits: at most 3 actions, label and identifier at most 20 characters, description at most 40,
// summary and text at most 65,535 (cut cleanly, ending with a link to the full log), at most 50
// annotations per request. Plain functions of their input: no I/O.
//
// Mapping of deployment states: queued -> queued; planning, confirmed, applying -> in_progress;
// locked (a merge deploy waiting for Unlock) and awaiting_review -> completed/action_required
// with the buttons; succeeded -> success; failed -> failure; timed_out -> timed_out; rejected,
// review_timed_out, skipped -> skipped; cancelled -> cancelled.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strata/messages.hpp"

namespace strata::notifier {

struct CheckRunAction {
    std::string label;
    std::string identifier;
    std::string description;
};

struct CheckRunAnnotation {
    std::string path;
    int start_line = 1;
    int end_line = 1;
    std::string level;  // notice | warning | failure
    std::string title;
    std::string message;
};

struct CheckRunView {
    std::string name;         // "strata/deploy: <root>"
    std::string head_sha;     // set on create only
    std::string external_id;  // the deployment id
    std::string details_url;  // the live log page
    std::string status;       // queued | in_progress | completed
    std::string conclusion;   // when completed
    std::string title;
    std::string summary;  // Markdown
    std::string text;     // Markdown details below the summary ("" for none)
    std::vector<CheckRunAction> actions;
    std::vector<CheckRunAnnotation> annotations;
};

// Where links point. Check runs of other deployments (the queue) link to their check run when
// the notifier knows it, else to the commit.
struct RenderLinks {
    std::string web_url = "https://github.com";         // GHES: https://HOST
    std::map<std::string, std::string> check_run_urls;  // deployment id -> html_url
};

// The button texts, exactly as people see them.
extern const CheckRunAction kUnlockAction;
extern const CheckRunAction kConfirmAction;
extern const CheckRunAction kRejectAction;

// "strata/deploy: <root>" (or "strata/plan: <root>" for pull-request plans).
std::string check_run_name(const DeploymentState& state);

CheckRunView render_check_run(const DeploymentState& state, const RenderLinks& links = {});
// A config.invalid event: a failed "strata/config" check run annotating the file and line.
CheckRunView render_config_invalid(const ConfigInvalid& event, const RenderLinks& links = {});
// A root whose directory the commit removed: reported, never destroyed automatically.
CheckRunView render_root_deleted(const RootDeleted& event, const RenderLinks& links = {});
// A request the scheduler refused (duplicate deploy, rerun of an older revision, ...).
CheckRunView render_request_refused(const RequestRefused& event, const RenderLinks& links = {});

// Holds a view to GitHub's limits (the renderers already call it).
void enforce_github_limits(CheckRunView& view);

// The JSON body of POST /repos/{owner}/{repo}/check-runs (create) or PATCH .../{id} (update).
std::string check_run_body(const CheckRunView& view, bool create);
std::string check_run_body(const DeploymentState& state, bool create);

}  // namespace strata::notifier
