#include "check_run.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

#include "check_run_summary.hpp"
#include "markdown.hpp"

namespace strata::notifier {
namespace {

constexpr std::size_t kMaxOutput = 65535;  // summary and text, characters
constexpr std::size_t kMaxActions = 3;
constexpr std::size_t kMaxLabel = 20;
constexpr std::size_t kMaxIdentifier = 20;
constexpr std::size_t kMaxDescription = 40;
constexpr std::size_t kMaxAnnotations = 50;
constexpr std::size_t kMaxTitle = 255;

// Cuts to `limit` characters (code points) without splitting one.
std::string cut_chars(const std::string& text, std::size_t limit) {
    if (utf8_length(text) <= limit) return text;
    std::size_t chars = 0, i = 0;
    for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == limit) break;
    }
    return text.substr(0, i);
}

struct StatusAndConclusion {
    const char* status;
    const char* conclusion;
};

StatusAndConclusion map_state(const std::string& st) {
    if (st == "queued") return {"queued", ""};
    if (st == "planning" || st == "confirmed" || st == "applying") return {"in_progress", ""};
    if (st == "locked" || st == "awaiting_review") return {"completed", "action_required"};
    if (st == "succeeded") return {"completed", "success"};
    if (st == "failed") return {"completed", "failure"};
    if (st == "timed_out") return {"completed", "timed_out"};
    if (st == "cancelled") return {"completed", "cancelled"};
    return {"completed", "skipped"};  // rejected, review_timed_out, skipped
}

std::string file_url(const RenderLinks& links, const std::string& repo, const std::string& sha,
                     const std::string& file, int line) {
    return links.web_url + "/" + repo + "/blob/" + sha + "/" + file +
           (line > 0 ? "#L" + std::to_string(line) : "");
}

}  // namespace

const CheckRunAction kUnlockAction{"Unlock", "unlock", "Unlock this plan to proceed"};
const CheckRunAction kConfirmAction{"Confirm", "confirm", "Confirm this plan to proceed to apply"};
const CheckRunAction kRejectAction{"Reject", "reject", "Reject this plan to prevent the apply"};

std::string check_run_name(const DeploymentState& s) {
    return std::string(s.kind == "plan" ? "strata/plan: " : "strata/deploy: ") + s.root.name;
}

CheckRunView render_check_run(const DeploymentState& s, const RenderLinks& links) {
    CheckRunView v;
    v.name = check_run_name(s);
    v.head_sha = s.revision;
    v.external_id = s.deployment_id;
    v.details_url = s.log_url;
    auto mapped = map_state(s.state);
    v.status = mapped.status;
    v.conclusion = mapped.conclusion;
    if (s.state == "locked") v.actions = {kUnlockAction};
    if (s.state == "awaiting_review") v.actions = {kConfirmAction, kRejectAction};
    auto words = describe_deployment(s, links);
    v.title = std::move(words.title);
    v.summary = std::move(words.summary);
    v.text = std::move(words.text);
    enforce_github_limits(v);
    return v;
}

CheckRunView render_config_invalid(const ConfigInvalid& e, const RenderLinks& links) {
    CheckRunView v;
    v.name = "strata/config";
    v.head_sha = e.revision;
    v.external_id = "config:" + e.revision;
    v.details_url = file_url(links, e.repo.full_name, e.revision, e.file, e.line);
    v.status = "completed";
    v.conclusion = "failure";
    std::string at = inline_code(e.file) + (e.line > 0 ? " line " + std::to_string(e.line) : "");
    v.title = e.file + " is invalid" + (e.line > 0 ? " (line " + std::to_string(e.line) + ")" : "");
    v.summary =
        "Strata could not use " + at + " at " + inline_code(short_sha(e.revision)) + ":\n\n```\n" +
        e.message + "\n```\n\n**Required of you:** fix " + at +
        " and push again. Until then no root of this revision is planned or deployed.\n\n[" +
        e.file + (e.line > 0 ? "#L" + std::to_string(e.line) : "") + "](" + v.details_url + ")\n";
    v.annotations.push_back({e.file, e.line > 0 ? e.line : 1, e.line > 0 ? e.line : 1, "failure",
                             "Invalid Strata configuration", e.message});
    enforce_github_limits(v);
    return v;
}

CheckRunView render_root_deleted(const RootDeleted& e, const RenderLinks& links) {
    CheckRunView v;
    v.name = "strata/deploy: " + e.root.name;
    v.head_sha = e.revision;
    v.external_id = "deleted:" + e.root.name + ":" + e.revision;
    v.status = "completed";
    v.conclusion = "neutral";
    v.title = "Root deleted: not deployed";
    v.summary = "The directory " + inline_code(e.root.dir) + " of root " +
                inline_code(e.root.name) + " was removed in [" +
                inline_code(short_sha(e.revision)) + "](" +
                commit_url(links, e.repo.full_name, e.revision) +
                "). Strata does not destroy the resources of a deleted root.\n\n**Required of "
                "you:** if its resources should go, destroy them with Terraform yourself; "
                "otherwise nothing.\n";
    enforce_github_limits(v);
    return v;
}

CheckRunView render_request_refused(const RequestRefused& e, const RenderLinks& links) {
    CheckRunView v;
    v.name = "strata/" + e.request + (e.root.empty() ? "" : ": " + e.root);
    v.head_sha = e.revision;
    v.external_id = e.deployment_id;
    v.status = "completed";
    v.conclusion = "neutral";
    std::string request = e.request.empty() ? "Request" : e.request;
    request[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(request[0])));
    v.title = request + " refused";
    v.summary = "Strata did not act on the " + inline_code(e.request) + " request" +
                (e.user.empty() ? "" : " of @" + e.user) +
                (e.root.empty() ? "" : " for " + inline_code(e.root)) + " at [" +
                inline_code(short_sha(e.revision)) + "](" +
                commit_url(links, e.repo.full_name, e.revision) + "):\n\n> " + e.reason +
                "\n\n**Required of you:** nothing; this is for your information.\n";
    enforce_github_limits(v);
    return v;
}

void enforce_github_limits(CheckRunView& v) {
    if (v.actions.size() > kMaxActions) v.actions.resize(kMaxActions);
    for (auto& a : v.actions) {
        a.label = cut_chars(a.label, kMaxLabel);
        a.identifier = cut_chars(a.identifier, kMaxIdentifier);
        a.description = cut_chars(a.description, kMaxDescription);
    }
    if (v.annotations.size() > kMaxAnnotations) v.annotations.resize(kMaxAnnotations);
    for (auto& a : v.annotations) {
        a.title = cut_chars(a.title, kMaxTitle);
        a.message = cut_utf8(a.message, kMaxOutput);
    }
    v.title = cut_chars(v.title, kMaxTitle);
    auto tail = truncation_tail(v.details_url);
    v.summary = fit_markdown(std::move(v.summary), kMaxOutput, tail);
    v.text = fit_markdown(std::move(v.text), kMaxOutput, tail);
}

std::string check_run_body(const CheckRunView& v, bool create) {
    using nlohmann::json;
    json output = {{"title", v.title}, {"summary", v.summary}};
    if (!v.text.empty()) output["text"] = v.text;
    if (!v.annotations.empty()) {
        output["annotations"] = json::array();
        for (const auto& a : v.annotations)
            output["annotations"].push_back({{"path", a.path},
                                             {"start_line", a.start_line},
                                             {"end_line", a.end_line},
                                             {"annotation_level", a.level},
                                             {"title", a.title},
                                             {"message", a.message}});
    }
    json body = {{"status", v.status}, {"output", output}};
    if (create) {
        body["name"] = v.name;
        body["head_sha"] = v.head_sha;
        if (!v.external_id.empty()) body["external_id"] = v.external_id;
    }
    if (!v.details_url.empty()) body["details_url"] = v.details_url;
    if (!v.conclusion.empty()) body["conclusion"] = v.conclusion;
    // Always sent on update, so buttons disappear once nobody needs to press them.
    if (create && v.actions.empty())
        return body.dump(-1, ' ', false, json::error_handler_t::replace);
    body["actions"] = json::array();
    for (const auto& a : v.actions)
        body["actions"].push_back(
            {{"label", a.label}, {"identifier", a.identifier}, {"description", a.description}});
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string check_run_body(const DeploymentState& state, bool create) {
    return check_run_body(render_check_run(state), create);
}

}  // namespace strata::notifier
