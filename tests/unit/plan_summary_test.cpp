// Plan summaries from `terraform show -json`: the hand-written fixtures in tests/fixtures/plans
// (expected counts from its EXPECTED.md), edge cases, and the real corpus of
// hashicorp/terraform-json testdata checked against tests/fixtures/plans/expected_corpus.json. The
// corpus lives outside the repository; without it that test is skipped and says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "plan_summary.hpp"
#include "strata/messages.hpp"

namespace strata::executor {
namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string read_plan(const std::string& name) {
    return read_file(std::string(STRATA_SOURCE_DIR) + "/tests/fixtures/plans/" + name);
}

struct Counts {
    int add, change, destroy, replace, import, move;
};

void expect_counts(const PlanSummary& s, Counts c) {
    EXPECT_EQ(s.add, c.add);
    EXPECT_EQ(s.change, c.change);
    EXPECT_EQ(s.destroy, c.destroy);
    EXPECT_EQ(s.replace, c.replace);
    EXPECT_EQ(s.import, c.import);
    EXPECT_EQ(s.move, c.move);
}

TEST(PlanSummary, CreateTwoCountsTwoAdds) {
    auto s = summarize_plan(read_plan("create_two.plan.json"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_counts(*s, {2, 0, 0, 0, 0, 0});
    EXPECT_TRUE(s->has_changes());
    EXPECT_EQ(s->resources,
              (std::vector<std::string>{"+ aws_s3_bucket.artifacts", "+ aws_s3_bucket.logs"}));
}

TEST(PlanSummary, MixedCountsReplaceOnceAndNotAsAddPlusDestroy) {
    auto s = summarize_plan(read_plan("mixed.plan.json"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_counts(*s, {1, 1, 1, 1, 0, 0});
    EXPECT_EQ(s->resources,
              (std::vector<std::string>{"-/+ aws_instance.db", "~ aws_instance.web",
                                        "- aws_iam_user.old", "+ aws_sqs_queue.jobs"}));
}

TEST(PlanSummary, NoOpResourcesMeanNoChanges) {
    auto s = summarize_plan(read_plan("no_changes.plan.json"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_counts(*s, {0, 0, 0, 0, 0, 0});
    EXPECT_FALSE(s->has_changes());
    EXPECT_TRUE(s->resources.empty());
}

TEST(PlanSummary, SensitiveValuesNeverAppearInTheSummary) {
    auto s = summarize_plan(read_plan("sensitive.plan.json"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_counts(*s, {1, 1, 0, 0, 0, 0});
    JobState state{"j", "d", 1, "e", "planned", "", *s, ""};
    auto encoded = encode(make_message(state, Origin{"executor", "c", ""}));
    for (const char* secret :
         {"hunter2-Sup3rSecret!", "sk_live_OLDOLDOLD1234567890", "sk_live_NEWNEWNEW0987654321"})
        EXPECT_EQ(encoded.find(secret), std::string::npos) << secret;
}

TEST(PlanSummary, ImportAndMoveCountInAdditionToTheAction) {
    auto s = summarize_plan(R"({"format_version":"1.2","resource_changes":[
        {"address":"aws_s3_bucket.imported","change":{"actions":["no-op"],"importing":{"id":"b"}}},
        {"address":"aws_s3_bucket.new_name","previous_address":"aws_s3_bucket.old_name",
         "change":{"actions":["update"]}},
        {"address":"aws_s3_bucket.same","previous_address":"aws_s3_bucket.same",
         "change":{"actions":["no-op"]}},
        {"address":"aws_iam_role.r","change":{"actions":["create","delete"]}},
        {"address":"data.aws_caller_identity.me","change":{"actions":["read"]}}]})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    expect_counts(*s, {0, 1, 0, 1, 1, 1});
    EXPECT_EQ(s->resources,
              (std::vector<std::string>{"<= aws_s3_bucket.imported", "~ aws_s3_bucket.new_name",
                                        "-/+ aws_iam_role.r"}));
}

TEST(PlanSummary, MissingResourceChangesMeansNoChanges) {
    auto s = summarize_plan(R"({"format_version":"1.2","planned_values":{}})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_FALSE(s->has_changes());
}

TEST(PlanSummary, OutputChangesAreNotCounted) {
    auto s =
        summarize_plan(R"({"format_version":"1.2","output_changes":{"x":{"actions":["create"]}}})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_FALSE(s->has_changes());
}

TEST(PlanSummary, TrailingDataAfterTheDocumentIsAnError) {
    auto s = summarize_plan(R"({"format_version":"1.2","resource_changes":[]}})");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("not valid JSON"), std::string::npos) << s.error().message;
    EXPECT_FALSE(summarize_plan(R"({"format_version":"1.2"} {"format_version":"1.2"})").ok());
    EXPECT_FALSE(summarize_plan(R"({"format_version":"1.2"},)").ok());
}

TEST(PlanSummary, NotJsonIsAClearError) {
    auto s = summarize_plan("Error: Failed to load plugin schemas");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("not valid JSON"), std::string::npos) << s.error().message;
    EXPECT_FALSE(summarize_plan("").ok());
}

TEST(PlanSummary, MalformedShapesAreErrorsNotCrashes) {
    EXPECT_FALSE(summarize_plan("[]").ok());
    EXPECT_FALSE(summarize_plan(R"({"resource_changes":[]})").ok());  // no format_version
    EXPECT_FALSE(summarize_plan(R"({"format_version":"1.2","resource_changes":{}})").ok());
    EXPECT_FALSE(summarize_plan(R"({"format_version":"1.2","resource_changes":[{}]})").ok());
    EXPECT_FALSE(
        summarize_plan(R"({"format_version":"1.2","resource_changes":[{"change":{}}]})").ok());
}

TEST(PlanSummary, NonStringAddressesDoNotThrow) {
    Result<PlanSummary> s = PlanSummary{};
    EXPECT_NO_THROW(s = summarize_plan(R"({"format_version":"1.2","resource_changes":[
        {"address":7,"previous_address":null,"change":{"actions":["create"]}}]})"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->add, 1);
    EXPECT_EQ(s->move, 0);
}

namespace fs = std::filesystem;

const fs::path kCorpus = STRATA_SOURCE_DIR "/../shared/fixtures/terraform-show-json";
const fs::path kExpected = STRATA_SOURCE_DIR "/tests/fixtures/plans/expected_corpus.json";

bool is_plan_file(const fs::path& p) {
    auto name = p.filename().string();
    return name.size() > 10 && name.compare(name.size() - 10, 10, ".plan.json") == 0;
}

TEST(PlanSummaryCorpus, EveryPlanGivesTheExpectedCountsOrAClearError) {
    if (!fs::is_directory(kCorpus)) {
        std::string message =
            "terraform show -json corpus is not present at " + kCorpus.string() + "; skipping";
        std::cout << message << std::endl;
        GTEST_SKIP() << message;
    }
    auto expected = nlohmann::json::parse(read_file(kExpected));
    ASSERT_TRUE(expected.is_object());

    std::set<std::string> seen;
    for (const auto& entry : fs::directory_iterator(kCorpus)) {
        if (!entry.is_regular_file() || !is_plan_file(entry.path())) continue;
        auto name = entry.path().filename().string();
        seen.insert(name);
        ASSERT_TRUE(expected.contains(name)) << name << " has no entry in " << kExpected;
        const auto& want = expected[name];
        auto got = summarize_plan(read_file(entry.path()));
        if (want.value("invalid", false)) {
            EXPECT_FALSE(got.ok()) << name << " should be rejected, got " << got->add << " to add";
            if (!got.ok()) {
                EXPECT_NE(got.error().message.find("not valid JSON"), std::string::npos)
                    << name << ": " << got.error().message;
            }
            continue;
        }
        ASSERT_TRUE(got.ok()) << name << ": " << got.error().message;
        EXPECT_EQ(got->add, want.at("add").get<int>()) << name;
        EXPECT_EQ(got->change, want.at("change").get<int>()) << name;
        EXPECT_EQ(got->destroy, want.at("destroy").get<int>()) << name;
        EXPECT_EQ(got->replace, want.at("replace").get<int>()) << name;
        EXPECT_EQ(got->import, want.at("import").get<int>()) << name;
        EXPECT_EQ(got->move, want.at("move").get<int>()) << name;
    }
    for (const auto& [name, _] : expected.items())
        EXPECT_TRUE(seen.count(name)) << name << " is expected but not in the corpus";
}

}  // namespace
}  // namespace strata::executor
