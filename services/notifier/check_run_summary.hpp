// The words of a deployment's check run: title, summary and text in Markdown, per state. Written
// for the person looking at the pull request or commit: what happened, what is required of
// them, the plan, the queue, who triggered, confirmed or unlocked it, and where the log is.
#pragma once

#include <string>

#include "check_run.hpp"

namespace strata::notifier {

struct CheckRunWords {
    std::string title;
    std::string summary;
    std::string text;
};

CheckRunWords describe_deployment(const DeploymentState& state, const RenderLinks& links);

// "https://github.com/acme/infra/commit/<sha>"
std::string commit_url(const RenderLinks& links, const std::string& repo, const std::string& sha);

// What ends a summary or text cut to fit: a note and the link to the full log.
std::string truncation_tail(const std::string& log_url);

}  // namespace strata::notifier
