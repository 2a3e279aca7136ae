// The planner's fetch credentials (installation_tokens.hpp) against strata-fake-api, which
// answers POST /app/installations/{id}/access_tokens as GitHub does and verifies the App JWT
// with the App's public key.
#include <gtest/gtest.h>

#include <set>

#include "installation_tokens.hpp"
#include "notifier_support.hpp"
#include "strata/jwt.hpp"
#include "strata/log.hpp"

namespace strata::planner {
namespace {

using nlohmann::json;
using notifier_testing::FakeApi;

class PlannerInstallationTokens : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto generated = jwt::generate_rsa_private_key_pem(2048);
        ASSERT_TRUE(generated) << generated.error().message;
        key = new std::string(*generated);
    }
    static void TearDownTestSuite() {
        delete key;
        key = nullptr;
    }

    // The fake knows App 4242 by its public key; tokens live ttl seconds.
    void know_app(int ttl_seconds = 3600) {
        auto public_key = jwt::public_key_pem(*key);
        ASSERT_TRUE(public_key);
        api.control(
            "github",
            {{"app_id", "4242"}, {"public_key", *public_key}, {"token_ttl_seconds", ttl_seconds}});
    }
    TokenSettings app() const { return {"ghp_configured", "4242", *key, api.url()}; }
    std::size_t issued() const { return api.state()["tokens"].size(); }

    static std::string* key;
    FakeApi api;
};
std::string* PlannerInstallationTokens::key = nullptr;

TEST_F(PlannerInstallationTokens, WithoutAnAppOrAnInstallationTheConfiguredTokenIsUsed) {
    InstallationTokens plain({"ghp_configured", "", "", api.url()});
    EXPECT_EQ(*plain.token(7), "ghp_configured");
    InstallationTokens with_app(app());
    EXPECT_EQ(*with_app.token(0), "ghp_configured");  // an event that names no installation
    InstallationTokens none({"", "", "", api.url()});
    EXPECT_EQ(*none.token(7), "");  // file:// URLs need none
    EXPECT_EQ(issued(), 0u);
}

TEST_F(PlannerInstallationTokens,
       AnInstallationTokenIsFetchedWithTheAppJwtAndCachedPerInstallation) {
    know_app();
    InstallationTokens tokens(app());
    auto first = tokens.token(7);
    ASSERT_TRUE(first) << first.error().message << "\n" << api.recorded();
    EXPECT_TRUE(first->starts_with("ghs_")) << *first;
    EXPECT_EQ(*tokens.token(7), *first);  // cached: no second request
    EXPECT_EQ(issued(), 1u);
    auto other = tokens.token(8);
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *first);
    auto state = api.state();
    ASSERT_EQ(state["tokens"].size(), 2u);
    std::set<long long> installations;  // the fake lists them in no particular order
    for (const auto& t : state["tokens"]) installations.insert(t["installation"].get<long long>());
    EXPECT_EQ(installations, (std::set<long long>{7, 8}));
    EXPECT_TRUE(state["github_rejections"].empty()) << state["github_rejections"];
}

TEST_F(PlannerInstallationTokens, ATokenWithinFiveMinutesOfItsExpiryIsReplaced) {
    know_app(200);  // already inside the renewal margin when issued
    InstallationTokens tokens(app());
    auto first = tokens.token(7);
    ASSERT_TRUE(first) << first.error().message;
    auto second = tokens.token(7);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_NE(*first, *second);
    EXPECT_EQ(issued(), 2u);
    // The token in use is masked in logs; the one it replaced is no longer kept for that.
    EXPECT_EQ(log::redact(*second), "***");
    EXPECT_EQ(log::redact(*first), *first);
}

TEST_F(PlannerInstallationTokens, AForgottenTokenIsReplacedOnNextUse) {
    know_app();
    InstallationTokens tokens(app());
    auto first = tokens.token(7);
    ASSERT_TRUE(first) << first.error().message;
    tokens.forget(7);  // a fetch with it failed
    auto second = tokens.token(7);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_NE(*first, *second);
    EXPECT_EQ(issued(), 2u);
}

TEST_F(PlannerInstallationTokens, ARefusedJwtIsAnErrorNamingTheInstallationNotTheKey) {
    know_app();
    auto stranger = jwt::generate_rsa_private_key_pem(2048);
    ASSERT_TRUE(stranger);
    InstallationTokens tokens({"", "4242", *stranger, api.url()});
    auto token = tokens.token(9);
    ASSERT_FALSE(token);
    EXPECT_NE(token.error().message.find("installation 9"), std::string::npos)
        << token.error().message;
    EXPECT_NE(token.error().message.find("401"), std::string::npos) << token.error().message;
    EXPECT_EQ(token.error().message.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(issued(), 0u);
}

}  // namespace
}  // namespace strata::planner
