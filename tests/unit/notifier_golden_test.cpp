// Golden files: every state of a deployment rendered as the check run people see on GitHub
// (tests/golden/check-runs/*.md), the pull-request plan comment (tests/golden/pr-comment.md),
// and docs/check-run-lifecycle.md, the README's walk through a deploy that needs Confirm, built
// from the same renderings. A change to what people see shows up as a diff of these files, to
// be reviewed; after reviewing, rewrite them with STRATA_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "check_run.hpp"
#include "notifier_golden_fixtures.hpp"
#include "pr_comment.hpp"

namespace strata::notifier {
namespace {

const std::string kSource = STRATA_SOURCE_DIR;

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Compares `text` with the file, or rewrites the file under STRATA_UPDATE_GOLDEN=1.
void expect_file(const std::string& relative, const std::string& text) {
    const std::string path = kSource + "/" + relative;
    if (std::getenv("STRATA_UPDATE_GOLDEN")) {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return;
    }
    EXPECT_EQ(read(path), text)
        << relative
        << " differs from what the notifier renders now. Review the change; "
           "if it is intended, rewrite the golden files with "
           "STRATA_UPDATE_GOLDEN=1 strata_unit_tests --gtest_filter='Golden*'";
}

std::string actions_cell(const CheckRunView& v) {
    if (v.actions.empty()) return "none";
    std::string out;
    for (const auto& a : v.actions)
        out += (out.empty() ? "" : "<br>") +
               ("**" + a.label + "** (`" + a.identifier + "`): " + a.description);
    return out;
}

std::string golden_markdown(const std::string& state, const CheckRunView& v) {
    std::string out =
        "<!-- Rendered by tests/unit/notifier_golden_test.cpp; STRATA_UPDATE_GOLDEN=1 rewrites it. "
        "-->\n";
    out += "# `" + v.name + "` when " + state + "\n\n| field | value |\n| --- | --- |\n";
    out += "| status | `" + v.status + "` |\n";
    out += "| conclusion | " +
           (v.conclusion.empty() ? std::string("none") : "`" + v.conclusion + "`") + " |\n";
    out += "| title | " + v.title + " |\n";
    out += "| buttons | " + actions_cell(v) + " |\n";
    out +=
        "| details_url | " + (v.details_url.empty() ? std::string("none") : v.details_url) + " |\n";
    for (const auto& a : v.annotations)
        out += "| annotation | `" + a.path + "` line " + std::to_string(a.start_line) + " (" +
               a.level + "): " + a.message + " |\n";
    out += "\n## Summary\n\n" + v.summary;
    if (!v.text.empty()) out += "\n## Text\n\n" + v.text;
    return out;
}

struct Case {
    std::string file;
    std::string state;
    CheckRunView view;
};

std::vector<Case> cases() {
    using namespace golden;
    std::vector<Case> out;
    auto add = [&](const std::string& file, const std::string& state, const CheckRunView& v) {
        out.push_back({file, state, v});
    };
    RenderLinks links;
    links.check_run_urls["aaaa0000-0000-4000-8000-000000000001"] =
        "https://github.com/acme/infra/runs/4001";
    auto queued = deploy("queued");
    queued.queue_ahead = {ahead("aaaa0000-0000-4000-8000-000000000001",
                                "aaaaaaa1111111111111111111111111111111a1", "manual"),
                          ahead("bbbb0000-0000-4000-8000-000000000002",
                                "bbbbbbb2222222222222222222222222222222b2", "merge")};
    add("deploy-queued-behind-others", "queued behind other runs", render_check_run(queued, links));
    auto locked = deploy("locked");
    locked.trigger = "merge";
    locked.user = "";
    locked.pull_number = 17;
    locked.queue_ahead = {ahead("aaaa0000-0000-4000-8000-000000000001",
                                "aaaaaaa1111111111111111111111111111111a1", "manual")};
    add("deploy-locked", "locked (a merge deploy waiting for Unlock)",
        render_check_run(locked, links));
    for (const char* state :
         {"queued", "planning", "awaiting_review", "confirmed", "applying", "succeeded", "failed",
          "timed_out", "rejected", "review_timed_out", "cancelled", "skipped"})
        add(std::string("deploy-") + state, state, render_check_run(deploy(state)));
    auto diverged = deploy("awaiting_review");
    diverged.trigger = "merge";
    diverged.revision_order = "diverged";
    diverged.unlocked_by = "monalisa";
    add("deploy-awaiting_review-diverged", "awaiting_review (revision diverged)",
        render_check_run(diverged));
    auto no_changes = deploy("succeeded");
    no_changes.plan = PlanSummary{};
    no_changes.apply_started_at.clear();
    add("deploy-succeeded-no-changes", "succeeded with an empty plan",
        render_check_run(no_changes));
    auto plan_failed = deploy("failed");
    plan_failed.apply_started_at.clear();
    plan_failed.approved_by.clear();
    plan_failed.approved_at.clear();
    plan_failed.plan.reset();
    add("deploy-failed-while-planning", "failed while planning", render_check_run(plan_failed));
    auto behind = deploy("failed");
    behind.revision_order = "behind";
    behind.reason = "behind the current revision and will not be deployed";
    behind.plan.reset();
    behind.apply_started_at.clear();
    behind.approved_by.clear();
    add("deploy-failed-behind", "failed (behind the current revision)", render_check_run(behind));
    auto big = deploy("awaiting_review");
    big.plan->resources.clear();
    for (int i = 0; i < 60; ++i)
        big.plan->resources.push_back("+ aws_route53_record.service[" + std::to_string(i) + "]");
    big.plan->add = 60;
    add("deploy-awaiting_review-large-plan", "awaiting_review with 60 resources",
        render_check_run(big));
    for (const char* state : {"queued", "planning", "succeeded", "failed"})
        add(std::string("plan-") + state, state + std::string(" (pull-request plan)"),
            render_check_run(pr_plan(state)));

    ConfigInvalid invalid{{"acme/infra", "https://github.com/acme/infra.git", "main", 7},
                          kRevision,
                          "strata.yaml",
                          12,
                          "roots[2].dir: '../shared' escapes the repository",
                          42};
    add("config-invalid", "config.invalid", render_config_invalid(invalid));
    RootDeleted deleted{{"acme/infra", "https://github.com/acme/infra.git", "main", 7},
                        {"legacy-vpc", "envs/legacy/vpc", "default", ""},
                        kRevision,
                        "octocat"};
    add("root-deleted", "root.deleted", render_root_deleted(deleted));
    RequestRefused refused{{"acme/infra", "https://github.com/acme/infra.git", "main", 7},
                           "network",
                           kRevision,
                           "rerun",
                           "octocat",
                           "Reruns are only supported on the most recent deploy",
                           kDeploymentId};
    add("request-refused", "request.refused", render_request_refused(refused));
    return out;
}

TEST(GoldenCheckRuns, EveryStateRendersAsReviewed) {
    for (const auto& c : cases())
        expect_file("tests/golden/check-runs/" + c.file + ".md", golden_markdown(c.state, c.view));
}

TEST(GoldenCheckRuns, EveryRenderingStaysWithinGitHubsLimits) {
    for (const auto& c : cases()) {
        EXPECT_LE(c.view.summary.size(), 65535u) << c.file;
        EXPECT_LE(c.view.actions.size(), 3u) << c.file;
        EXPECT_FALSE(c.view.title.empty()) << c.file;
        EXPECT_NE(c.view.summary.find("**Required of you:**"), std::string::npos)
            << c.file << " does not say what is required of the reader";
    }
}

TEST(GoldenPrComment, ThePlanCommentRendersAsReviewed) {
    using namespace golden;
    PrComments comments;
    apply_plan_state(comments, pr_plan("succeeded"));
    auto dns = pr_plan("failed");
    dns.deployment_id = "dns0000-0000-4000-8000-000000000003";
    dns.root = {"dns", "envs/prod/dns", "default", ""};
    dns.log_url = "https://strata.example/jobs/" + dns.deployment_id;
    apply_plan_state(comments, dns);
    auto app = pr_plan("planning");
    app.deployment_id = "app0000-0000-4000-8000-000000000004";
    app.root = {"app", "envs/prod/app", "default", ""};
    app.log_url = "https://strata.example/jobs/" + app.deployment_id;
    apply_plan_state(comments, app);
    auto parts = render_pr_comment(comments, "acme/infra", RenderLinks{});
    ASSERT_EQ(parts.size(), 1u);
    expect_file("tests/golden/pr-comment.md", parts[0]);
}

// The README's lifecycle: a manual deploy that needs Confirm.
TEST(GoldenLifecycle, TheDocumentShowsTheChecksOfADeployThatNeedsConfirm) {
    struct Step {
        const char* heading;
        const char* state;
        const char* note;
    };
    const Step steps[] = {
        {"Queued", "queued",
         "The deploy was requested (here: manually, with the `strata` CLI) and waits its turn."},
        {"Planning", "planning", "An executor took the job and runs `terraform init` and `plan`."},
        {"Waiting for Confirm or Reject", "awaiting_review",
         "The plan is held on the executor. GitHub shows the check as needing action, with the two "
         "buttons "
         "(a manual deploy always needs a review)."},
        {"Applying", "applying",
         "Someone pressed **Confirm**; the buttons are gone. (For a moment before the apply starts "
         "the title "
         "reads \"Confirmed; applying soon\".)"},
        {"Deployed", "succeeded", "The apply finished. The check is green."}};
    std::string doc =
        "<!-- Generated by tests/unit/notifier_golden_test.cpp from the same renderings as "
        "tests/golden/check-runs/; "
        "STRATA_UPDATE_GOLDEN=1 rewrites it. -->\n"
        "# A check run's lifecycle: a deploy that needs Confirm\n\n"
        "Strata posts one check run per deployment, `strata/deploy: <root>`, and updates it on "
        "every state "
        "change. Below is what a person sees on the commit's **Checks** tab for a manual deploy of "
        "the root "
        "`network` that needs a review: the check run's status, title and buttons, and its summary "
        "exactly as "
        "rendered (quoted). Every other state is in "
        "[`tests/golden/check-runs/`](../tests/golden/check-runs/).\n\n"
        "| step | status | conclusion | title | buttons |\n| --- | --- | --- | --- | --- |\n";
    std::vector<CheckRunView> views;
    for (const auto& step : steps) {
        auto s = golden::deploy(step.state);
        views.push_back(render_check_run(s));
        const auto& v = views.back();
        std::string buttons;
        for (const auto& a : v.actions)
            buttons += (buttons.empty() ? "" : ", ") + ("**" + a.label + "**");
        doc += std::string("| ") + step.heading + " | `" + v.status + "` | " +
               (v.conclusion.empty() ? "" : "`" + v.conclusion + "`") + " | " + v.title + " | " +
               buttons + " |\n";
    }
    for (std::size_t i = 0; i < views.size(); ++i) {
        const auto& v = views[i];
        doc += "\n## " + std::to_string(i + 1) + ". " + steps[i].heading + ": `" + v.status + "`" +
               (v.conclusion.empty() ? "" : " / `" + v.conclusion + "`") + "\n\n" + steps[i].note +
               "\n\n";
        doc += "**" + v.title + "**\n\n";
        for (const auto& a : v.actions)
            doc += "- button **" + a.label + "**: " + a.description + "\n";
        if (!v.actions.empty()) doc += "\n";
        std::istringstream lines(v.summary);
        for (std::string line; std::getline(lines, line);)
            doc += line.empty() ? ">\n" : "> " + line + "\n";
    }
    expect_file("docs/check-run-lifecycle.md", doc);

    // The README's excerpt: its table rows and quoted lines are lines of this document.
    auto readme = read(kSource + "/README.md");
    auto begin = readme.find("<!-- check-run-lifecycle:begin");
    auto end = readme.find("<!-- check-run-lifecycle:end -->");
    ASSERT_NE(begin, std::string::npos) << "README.md lost its lifecycle excerpt";
    ASSERT_NE(end, std::string::npos);
    std::istringstream excerpt(readme.substr(begin, end - begin));
    int quoted = 0;
    for (std::string line; std::getline(excerpt, line);) {
        if (line.empty() || (line[0] != '|' && line[0] != '>')) continue;
        ++quoted;
        EXPECT_NE(doc.find(line + "\n"), std::string::npos)
            << "README.md shows a line the notifier no "
               "longer renders: "
            << line;
    }
    EXPECT_GE(quoted, 8);
}

}  // namespace
}  // namespace strata::notifier
