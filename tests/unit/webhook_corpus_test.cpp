// Every real GitHub payload in the shared corpus (octokit/webhooks examples) is normalised or
// deliberately ignored, never an error. The corpus lives outside the repository; without it the
// test is skipped and says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "strata/messages.hpp"
#include "webhook.hpp"

namespace strata::ingest {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = STRATA_SOURCE_DIR "/../shared/fixtures/github-webhooks";

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(WebhookCorpus, EveryPayloadIsNormalizedOrIgnoredWithoutError) {
    if (!fs::is_directory(kCorpus)) {
        std::string message =
            "GitHub webhook corpus is not present at " + kCorpus.string() + "; skipping";
        std::cout << message << std::endl;
        GTEST_SKIP() << message;
    }
    std::vector<fs::path> payloads;
    for (const auto& entry : fs::recursive_directory_iterator(kCorpus))
        if (entry.is_regular_file() && entry.path().extension() == ".json")
            payloads.push_back(entry.path());
    std::sort(payloads.begin(), payloads.end());
    ASSERT_FALSE(payloads.empty()) << "no *.json payloads under " << kCorpus;

    int normalized = 0, ignored = 0;
    for (const auto& path : payloads) {
        std::string event = path.parent_path().filename().string();
        std::string name = path.lexically_relative(kCorpus).string();
        auto outcome = normalize(event, "corpus:" + name, read_file(path));
        ASSERT_TRUE(outcome.ok()) << name << ": " << outcome.error().message;
        if (const auto* n = std::get_if<Normalized>(&*outcome)) {
            ++normalized;
            auto envelope = decode_envelope(n->body);
            ASSERT_TRUE(envelope.ok()) << name << ": " << envelope.error().message;
            EXPECT_EQ(envelope->type, n->type) << name;
            EXPECT_EQ(envelope->id, n->message_id) << name;
            if (n->type == PushEvent::kType) {
                auto push = decode<PushEvent>(n->body);
                EXPECT_TRUE(push.ok()) << name << ": " << push.error().message;
            }
        } else {
            ++ignored;
            EXPECT_FALSE(std::get<Ignored>(*outcome).reason.empty()) << name;
        }
    }
    EXPECT_EQ(normalized + ignored, static_cast<int>(payloads.size()));
    std::cout << payloads.size() << " payloads: " << normalized << " normalized, " << ignored
              << " ignored" << std::endl;
}

}  // namespace
}  // namespace strata::ingest
