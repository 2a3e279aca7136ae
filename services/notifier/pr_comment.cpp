#include "pr_comment.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "check_run_summary.hpp"
#include "markdown.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRetired = 500;

const char* status_words(const PrPlanEntry& e) {
    const auto& st = e.state;
    if (st == "queued") return "⏳ queued";
    if (st == "planning") return "⏳ planning";
    if (st == "succeeded") return e.plan && e.plan->has_changes() ? "✅ planned" : "✅ no changes";
    if (st == "failed") return "❌ failed";
    if (st == "timed_out") return "❌ timed out";
    if (st == "cancelled") return "⏹ cancelled";
    return "⏹ skipped";
}

std::string table_row(const std::string& root, const PrPlanEntry& e) {
    std::string plan = e.plan ? plan_counts(*e.plan) : "";
    std::string log = e.log_url.empty() ? "" : "[log](" + e.log_url + ")";
    return "| " + inline_code(root) + " | " + status_words(e) + " | " + plan + " | " + log + " |\n";
}

// The part of one root below the table: its resources, or why it failed.
std::string root_detail(const std::string& root, const PrPlanEntry& e) {
    if (e.state == "failed" || e.state == "timed_out") {
        if (e.reason.empty()) return "";
        return "\n<details><summary><code>" + html_escape(root) +
               "</code> failed</summary>\n\n```\n" + e.reason + "\n```\n</details>\n";
    }
    if (!e.plan || e.plan->resources.empty()) return "";
    return "\n<details><summary><code>" + html_escape(root) + "</code>: " + plan_counts(*e.plan) +
           "</summary>\n\n" + resource_block(e.plan->resources, SIZE_MAX, SIZE_MAX) +
           "</details>\n";
}

std::string part_header(const PrComments& c, const std::string& repo, const RenderLinks& links,
                        std::size_t part, std::size_t parts) {
    std::string which =
        parts > 1 ? " (part " + std::to_string(part) + " of " + std::to_string(parts) + ")" : "";
    return "<!-- strata:plans part=" + std::to_string(part) + " -->\n### Strata plans for [" +
           inline_code(short_sha(c.head)) + "](" + commit_url(links, repo, c.head) + ")" + which +
           "\n\n| Root | Status | Plan | Log |\n| --- | --- | --- | --- |\n";
}

const std::string kFooter =
    "\n*Strata edits this comment as plans change; each root also has a `strata/plan` check "
    "run.*\n";

}  // namespace

std::string PrComments::to_json() const {
    json roots_json = json::object();
    for (const auto& [name, e] : roots) {
        json entry = {{"deployment_id", e.deployment_id},
                      {"seq", e.seq},
                      {"state", e.state},
                      {"revision", e.revision},
                      {"root_dir", e.root_dir},
                      {"reason", e.reason},
                      {"log_url", e.log_url}};
        if (e.plan)
            entry["plan"] = {{"add", e.plan->add},
                             {"change", e.plan->change},
                             {"destroy", e.plan->destroy},
                             {"replace", e.plan->replace},
                             {"import", e.plan->import},
                             {"move", e.plan->move},
                             {"resources", e.plan->resources}};
        roots_json[name] = entry;
    }
    return json{{"head", head},
                {"retired", retired},
                {"roots", roots_json},
                {"comment_ids", comment_ids},
                {"part_hashes", part_hashes}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

PrComments PrComments::from_json(const std::string& text) {
    PrComments c;
    auto j = json::parse(text, nullptr, false);
    if (!j.is_object()) return c;
    try {
        c.head = j.value("head", "");
        c.retired = j.value("retired", std::vector<std::string>{});
        c.comment_ids = j.value("comment_ids", std::vector<long long>{});
        c.part_hashes = j.value("part_hashes", std::vector<std::string>{});
        json roots = j.value("roots", json::object());
        for (const auto& [name, e] : roots.items()) {
            PrPlanEntry entry{e.value("deployment_id", ""), e.value("seq", 0LL),
                              e.value("state", ""),         e.value("revision", ""),
                              e.value("root_dir", ""),      std::nullopt,
                              e.value("reason", ""),        e.value("log_url", "")};
            if (e.contains("plan")) {
                const auto& p = e["plan"];
                PlanSummary plan;
                plan.add = p.value("add", 0);
                plan.change = p.value("change", 0);
                plan.destroy = p.value("destroy", 0);
                plan.replace = p.value("replace", 0);
                plan.import = p.value("import", 0);
                plan.move = p.value("move", 0);
                plan.resources = p.value("resources", std::vector<std::string>{});
                entry.plan = std::move(plan);
            }
            c.roots[name] = std::move(entry);
        }
    } catch (const json::exception&) {
        return PrComments{};
    }
    return c;
}

bool apply_plan_state(PrComments& c, const DeploymentState& s) {
    if (s.kind != "plan" || s.pull_number == 0) return false;
    if (std::find(c.retired.begin(), c.retired.end(), s.deployment_id) != c.retired.end())
        return false;
    auto retire = [&](const std::string& id) {
        c.retired.push_back(id);
        if (c.retired.size() > kMaxRetired)
            c.retired.erase(c.retired.begin(), c.retired.end() - kMaxRetired);
    };
    bool known = std::any_of(c.roots.begin(), c.roots.end(), [&](const auto& r) {
        return r.second.deployment_id == s.deployment_id;
    });
    if (s.revision != c.head && !known) {
        for (const auto& [name, e] : c.roots) retire(e.deployment_id);
        c.roots.clear();
        c.head = s.revision;
    }
    auto& entry = c.roots[s.root.name];
    if (entry.deployment_id == s.deployment_id && s.seq <= entry.seq) return false;
    if (!entry.deployment_id.empty() && entry.deployment_id != s.deployment_id)
        retire(entry.deployment_id);  // a newer plan of the same root and revision
    entry = PrPlanEntry{s.deployment_id, s.seq,  s.state,  s.revision,
                        s.root.dir,      s.plan, s.reason, s.log_url};
    return true;
}

std::vector<std::string> render_pr_comment(const PrComments& c, const std::string& repo,
                                           const RenderLinks& links, std::size_t limit) {
    // Each root is a row of the table and a detail below it; parts take roots in name order.
    struct Piece {
        std::string row, detail;
    };
    std::vector<Piece> pieces;
    const std::size_t overhead = part_header(c, repo, links, 99, 99).size() + kFooter.size() + 2;
    for (const auto& [name, e] : c.roots) {
        Piece p{table_row(name, e), root_detail(name, e)};
        std::size_t room = limit > overhead + p.row.size() ? limit - overhead - p.row.size() : 0;
        if (p.detail.size() > room)
            p.detail = fit_markdown(
                p.detail, room,
                "\n*Cut to fit the comment; see the log of " + inline_code(name) + ".*\n");
        pieces.push_back(std::move(p));
    }
    std::vector<std::vector<const Piece*>> groups(1);
    std::size_t used = overhead;
    for (const auto& p : pieces) {
        std::size_t size = p.row.size() + p.detail.size();
        if (!groups.back().empty() && used + size > limit) {
            groups.emplace_back();
            used = overhead;
        }
        groups.back().push_back(&p);
        used += size;
    }
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        std::string body = part_header(c, repo, links, i + 1, groups.size());
        for (const auto* p : groups[i]) body += p->row;
        if (groups[i].empty()) body += "| | ⏳ no plans yet | | |\n";
        for (const auto* p : groups[i]) body += p->detail;
        body += kFooter;
        parts.push_back(std::move(body));
    }
    return parts;
}

}  // namespace strata::notifier
