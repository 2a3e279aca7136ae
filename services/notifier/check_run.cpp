#include "check_run.hpp"

#include <nlohmann/json.hpp>

namespace strata::notifier {
namespace {

constexpr std::size_t kMaxSummary = 65535;

std::string short_sha(const std::string& sha) { return sha.substr(0, 7); }

std::string plan_lines(const DeploymentState& s) {
    if (!s.plan) return "";
    const auto& p = *s.plan;
    std::string out = "\n**Plan:** " + std::to_string(p.add) + " to add, " +
                      std::to_string(p.change) + " to change, " + std::to_string(p.destroy) +
                      " to destroy";
    if (p.replace) out += ", " + std::to_string(p.replace) + " to replace";
    out += ".\n";
    if (!p.resources.empty()) {
        out += "\n<details><summary>Resources</summary>\n\n```\n";
        for (const auto& r : p.resources) out += r + "\n";
        out += "```\n</details>\n";
    }
    return out;
}

std::string queue_lines(const DeploymentState& s) {
    if (s.state != "queued") return "";
    if (s.queue_ahead.empty()) return "\nNo other runs ahead in queue.\n";
    std::string out = "\nRuns in queue:\n";
    for (const auto& q : s.queue_ahead)
        out += "- `" + short_sha(q.revision) + "` (" + q.trigger + ")\n";
    return out;
}

}  // namespace

std::string check_run_name(const DeploymentState& s) {
    return std::string(s.kind == "plan" ? "strata/plan: " : "strata/deploy: ") + s.root.name;
}

CheckRunView render_check_run(const DeploymentState& s) {
    CheckRunView v;
    const std::string& st = s.state;
    if (st == "queued") {
        v.status = "queued";
        v.title = "Queued";
    } else if (st == "planning" || st == "applying" || st == "confirmed") {
        v.status = "in_progress";
        v.title = st == "applying" ? "Applying" : "Planning";
    } else {
        v.status = "completed";
        if (st == "succeeded")
            v.conclusion = "success", v.title = "Deployed";
        else if (st == "failed")
            v.conclusion = "failure", v.title = "Failed";
        else if (st == "timed_out")
            v.conclusion = "timed_out", v.title = "Timed out";
        else if (st == "cancelled")
            v.conclusion = "cancelled", v.title = "Cancelled";
        else if (st == "awaiting_review" || st == "locked")
            v.conclusion = "action_required", v.title = "Waiting";
        else
            v.conclusion = "skipped", v.title = "Skipped";
    }
    std::string summary = "**" + v.title + "**: `" + s.root.name + "` at `" +
                          short_sha(s.revision) + "` (" + s.trigger +
                          (s.user.empty() ? "" : ", by " + s.user) + ").\n";
    if (!s.reason.empty() && v.status == "completed" && v.conclusion != "success")
        summary += "\n```\n" + s.reason + "\n```\n";
    if (st == "timed_out")
        summary +=
            "\nThe executor running this deployment stopped answering. It will not be "
            "retried automatically: re-run this check to deploy again.\n";
    summary += plan_lines(s);
    summary += queue_lines(s);
    if (!s.log_url.empty()) summary += "\n[Logs](" + s.log_url + ")\n";
    if (summary.size() > kMaxSummary) {
        std::string tail =
            "\n\n… truncated; see the full log" + (s.log_url.empty() ? "." : ": " + s.log_url);
        const std::string fence = "\n```";
        summary.resize(kMaxSummary - tail.size() - fence.size());
        // Do not cut a UTF-8 sequence in half.
        while (!summary.empty() && (static_cast<unsigned char>(summary.back()) & 0xC0) == 0x80)
            summary.pop_back();
        if (!summary.empty() && (static_cast<unsigned char>(summary.back()) & 0x80))
            summary.pop_back();
        // Close a code block the cut left open, or the note and the link would be inside it.
        std::size_t fences = 0;
        for (auto pos = summary.find("```"); pos != std::string::npos;
             pos = summary.find("```", pos + 3))
            ++fences;
        if (fences % 2 == 1) summary += fence;
        summary += tail;
    }
    v.summary = std::move(summary);
    return v;
}

std::string check_run_body(const DeploymentState& s, bool create) {
    auto v = render_check_run(s);
    nlohmann::json body = {{"status", v.status},
                           {"output", {{"title", v.title}, {"summary", v.summary}}}};
    if (create) {
        body["name"] = check_run_name(s);
        body["head_sha"] = s.revision;
        body["external_id"] = s.deployment_id;
    }
    if (!s.log_url.empty()) body["details_url"] = s.log_url;
    if (!v.conclusion.empty()) body["conclusion"] = v.conclusion;
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::notifier
