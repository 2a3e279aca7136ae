#include "check_run_summary.hpp"

#include "markdown.hpp"

namespace strata::notifier {
namespace {

constexpr std::size_t kFoldResourcesAfter = 10;
constexpr std::size_t kResourcesInSummary = 50;

struct StateWords {
    std::string title;
    std::string happened;
    std::string required;  // Markdown after "**Required of you:** "
};

std::string user_ref(const std::string& login) { return login.empty() ? "someone" : "@" + login; }

std::string approvers(const DeploymentState& s) {
    std::string out;
    for (std::size_t i = 0; i < s.approved_by.size(); ++i)
        out += (i == 0                          ? ""
                : i + 1 == s.approved_by.size() ? " and "
                                                : ", ") +
               user_ref(s.approved_by[i]);
    return out.empty() ? "someone" : out;
}

std::string trigger_words(const DeploymentState& s) {
    const auto& t = s.trigger;
    std::string pr = s.pull_number ? " #" + std::to_string(s.pull_number) : "";
    if (t == "merge")
        return "merge" + (pr.empty() ? "" : " of" + pr) + " to " +
               inline_code(s.repo.default_branch);
    if (t == "manual") return "manual deploy";
    if (t == "pull_request") return "pull request" + pr;
    if (t == "comment") return "comment on" + (pr.empty() ? " a pull request" : pr);
    if (t == "merge_group") return "merge queue";
    return t.empty() ? "unknown trigger" : t;
}

std::string plan_suffix(const DeploymentState& s) {
    return s.plan ? ": " + plan_counts(*s.plan) : "";
}

std::string where(const DeploymentState& s) {
    return inline_code(s.root.name) + " at " + inline_code(short_sha(s.revision));
}

StateWords words_for(const DeploymentState& s) {
    const auto& st = s.state;
    const bool pr_plan = s.kind == "plan";
    const std::string log_hint = s.log_url.empty() ? "" : " Follow along in the live log.";
    if (st == "queued")
        return {"Queued",
                "This " + std::string(pr_plan ? "plan" : "deployment") + " of " + where(s) +
                    " is queued.",
                "nothing; it starts when the runs ahead of it are done."};
    if (st == "locked")
        return {"Waiting for Unlock",
                "The queue of " + inline_code(s.root.name) +
                    " is locked: a manual deploy ran, and merge deploys wait until someone "
                    "unlocks the queue.",
                "press **Unlock** above to let this merge deploy proceed."};
    if (st == "planning")
        return {"Planning", "Terraform is planning " + where(s) + "." + log_hint,
                pr_plan ? "nothing; the plan appears here when it is done."
                        : "nothing yet; if the plan needs a review, this check will ask for it."};
    if (st == "awaiting_review") {
        std::string why = s.trigger == "manual"
                              ? "It was triggered manually, so its plan needs a review."
                          : s.revision_order == "diverged"
                              ? "This revision diverged from the last deployed one, so its plan "
                                "needs a review."
                              : "Its plan needs a review before it is applied.";
        return {"Waiting for review" + plan_suffix(s), "Terraform planned " + where(s) + ". " + why,
                "review the plan below, then press **Confirm** to apply it or **Reject** to skip "
                "it. No answer in 7 days counts as Reject."};
    }
    if (st == "confirmed")
        return {"Confirmed; applying soon",
                approvers(s) + " confirmed the plan of " + where(s) + ". The apply starts shortly.",
                "nothing." + log_hint};
    if (st == "applying")
        return {"Applying" + plan_suffix(s), "Terraform is applying the plan of " + where(s) + ".",
                "nothing; do not re-run while it applies." + log_hint};
    if (st == "succeeded") {
        bool changes = s.plan && s.plan->has_changes();
        if (pr_plan)
            return {changes ? "Planned" + plan_suffix(s) : "No changes",
                    changes ? "Terraform planned " + where(s) + "."
                            : "Terraform found no changes in " + where(s) + ".",
                    changes ? "nothing; the plan is applied after the pull request is merged."
                            : "nothing."};
        if (!changes)
            return {"No changes",
                    "Terraform found no changes in " + where(s) + "; nothing was applied.",
                    "nothing."};
        const auto& p = *s.plan;
        return {"Deployed: " + std::to_string(p.add) + " added, " + std::to_string(p.change) +
                    " changed, " + std::to_string(p.destroy) + " destroyed",
                "The plan of " + where(s) + " was applied.", "nothing."};
    }
    if (st == "failed") {
        if (s.revision_order == "behind")
            return {"Not deployed: behind the current revision",
                    where(s) + " is behind the current revision and will not be deployed.",
                    "nothing; a newer revision of this root was already deployed."};
        bool in_apply = !s.apply_started_at.empty();
        return {in_apply  ? "Apply failed"
                : pr_plan ? "Plan failed"
                          : "Failed",
                "Terraform failed " +
                    std::string(in_apply ? "while applying " : "while planning ") + where(s) + "." +
                    (in_apply ? " Some resources may have changed before it stopped; the log shows "
                                "which."
                              : ""),
                "fix the cause and push a new commit, or re-run this check once it is fixed."};
    }
    if (st == "timed_out")
        return {"Timed out: re-run to deploy",
                "The executor running the apply of " + where(s) +
                    " stopped answering, so the outcome is unknown. It will not be retried "
                    "automatically: an apply is never run twice without a person deciding.",
                "check the live log and the state of the resources, then press **Re-run** on "
                "this check to deploy again."};
    if (st == "rejected")
        return {"Rejected", "The plan of " + where(s) + " was rejected; nothing was applied.",
                "nothing. To deploy this revision after all, re-run this check."};
    if (st == "review_timed_out")
        return {"Not confirmed within 7 days",
                "No one confirmed or rejected the plan of " + where(s) +
                    " within 7 days, which counts as Reject; nothing was applied.",
                "nothing. To deploy this revision after all, re-run this check."};
    if (st == "cancelled")
        return {"Cancelled", "This run of " + where(s) + " was cancelled.", "nothing."};
    return {"Skipped", "This run of " + where(s) + " was skipped; nothing was applied.",
            "nothing."};
}

std::string plan_section(const DeploymentState& s) {
    if (!s.plan) return "";
    const auto& p = *s.plan;
    std::string out = "\n#### Plan: " + plan_counts(p) + "\n\n";
    out += resource_block(p.resources, kFoldResourcesAfter, kResourcesInSummary);
    if (p.resources.size() > kResourcesInSummary) out += "\nThe full list is below.\n";
    return out;
}

std::string queue_section(const DeploymentState& s, const RenderLinks& links) {
    if (s.state != "queued" && s.state != "locked") return "";
    if (s.queue_ahead.empty()) return "\n#### Queue\n\nNo other runs ahead in queue.\n";
    std::string out = "\n#### Queue\n\nRuns in queue:\n";
    int n = 1;
    for (const auto& q : s.queue_ahead) {
        auto it = links.check_run_urls.find(q.deployment_id);
        std::string url = it != links.check_run_urls.end() && !it->second.empty()
                              ? it->second
                              : commit_url(links, s.repo.full_name, q.revision);
        out += std::to_string(n++) + ". [" + inline_code(short_sha(q.revision)) + "](" + url +
               ") " + (q.trigger == "manual" ? "manual deploy" : q.trigger + " deploy") + "\n";
    }
    return out;
}

std::string reason_section(const DeploymentState& s) {
    if (s.reason.empty() || s.state == "succeeded" || s.state == "queued" ||
        s.state == "planning" || s.state == "applying" || s.revision_order == "behind")
        return "";  // (behind: the headline says it all)
    return "\n#### Reason\n\n```\n" + s.reason + (s.reason.back() == '\n' ? "" : "\n") + "```\n";
}

std::string details_section(const DeploymentState& s, const RenderLinks& links) {
    std::string out = "\n#### Details\n\n";
    out += "- Root: " + inline_code(s.root.name) + " (directory " + inline_code(s.root.dir) +
           ", workspace " + inline_code(s.root.workspace) + ")\n";
    out += "- Revision: [" + inline_code(short_sha(s.revision)) + "](" +
           commit_url(links, s.repo.full_name, s.revision) + ")\n";
    out += "- Triggered by " + (s.user.empty() ? std::string("a ") : user_ref(s.user) + ": ") +
           trigger_words(s) + (s.force ? " (forced: the revision-order check is skipped)" : "") +
           "\n";
    if (!s.unlocked_by.empty()) out += "- Unlocked by " + user_ref(s.unlocked_by) + "\n";
    if (!s.approved_by.empty())
        out += "- Confirmed by " + approvers(s) +
               (s.approved_at.empty() ? "" : " at " + readable_time(s.approved_at)) + "\n";
    if (!s.executor_id.empty()) out += "- Executor: " + inline_code(s.executor_id) + "\n";
    if (!s.started_at.empty()) out += "- Started: " + readable_time(s.started_at) + "\n";
    if (!s.apply_started_at.empty())
        out += "- Apply started: " + readable_time(s.apply_started_at) + "\n";
    if (!s.finished_at.empty()) out += "- Finished: " + readable_time(s.finished_at) + "\n";
    return out;
}

}  // namespace

std::string commit_url(const RenderLinks& links, const std::string& repo, const std::string& sha) {
    return links.web_url + "/" + repo + "/commit/" + sha;
}

std::string truncation_tail(const std::string& log_url) {
    return "\n\n---\n*Cut to fit GitHub's limit of 65,535 characters.* " +
           (log_url.empty() ? std::string("See the full log.")
                            : "[The full log](" + log_url + ")") +
           "\n";
}

CheckRunWords describe_deployment(const DeploymentState& s, const RenderLinks& links) {
    auto w = words_for(s);
    bool finished = s.state == "succeeded" || s.state == "failed" || s.state == "timed_out" ||
                    s.state == "rejected" || s.state == "review_timed_out" ||
                    s.state == "cancelled" || s.state == "skipped";
    std::string summary = w.happened + "\n\n**Required of you:** " + w.required + "\n";
    summary += reason_section(s);
    summary += plan_section(s);
    summary += queue_section(s, links);
    summary += details_section(s, links);
    if (!s.log_url.empty())
        summary += "\n[" + std::string(finished ? "Log" : "Live log") + "](" + s.log_url + ")\n";
    std::string text;
    if (s.plan && s.plan->resources.size() > kResourcesInSummary)
        text = "### All " + std::to_string(s.plan->resources.size()) + " resources\n\n" +
               resource_block(s.plan->resources, SIZE_MAX, SIZE_MAX);
    return {w.title, summary, text};
}

}  // namespace strata::notifier
