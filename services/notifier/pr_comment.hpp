// The pull-request comment: one comment per pull request showing the plans of its roots at the
// newest head revision, edited in place as plans change and split over several comments when it
// outgrows GitHub's comment size limit (65,536 characters). Plain functions; the channel keeps
// the state (PrComments) in Redis and syncs the parts with GitHub.
//
// Which plans show: those of the newest head the notifier heard of. A plan of another revision
// whose deployment is new to the comment makes that revision the head and retires the plans of
// the old one; messages of retired deployments are ignored (they arrive late), as are messages
// older (by seq) than what a root's entry already shows.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check_run.hpp"
#include "strata/messages.hpp"

namespace strata::notifier {

struct PrPlanEntry {
    std::string deployment_id;
    long long seq = 0;
    std::string state;
    std::string revision;
    std::string root_dir;
    std::optional<PlanSummary> plan;
    std::string reason;
    std::string log_url;
};

struct PrComments {
    std::string head;                          // revision shown
    std::vector<std::string> retired;          // deployment ids whose messages are ignored
    std::map<std::string, PrPlanEntry> roots;  // root name -> its plan at head
    std::vector<long long> comment_ids;        // the comments, in order (part 1, 2, ...)
    std::vector<std::string> part_hashes;      // sha256 of each comment's body as last sent

    std::string to_json() const;
    static PrComments from_json(const std::string& text);  // "" or garbage: empty state
};

// Applies a plan's state; false when it changes nothing shown (stale, retired, not a plan).
bool apply_plan_state(PrComments& comments, const DeploymentState& state);

// The comment bodies, each at most `limit` bytes; at least one part.
std::vector<std::string> render_pr_comment(const PrComments& comments, const std::string& repo,
                                           const RenderLinks& links, std::size_t limit = 65536);

}  // namespace strata::notifier
