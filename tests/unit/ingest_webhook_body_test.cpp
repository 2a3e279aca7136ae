// The two content types GitHub can send a webhook with, and the repository allowlist.
#include <gtest/gtest.h>

#include "repo_allowlist.hpp"
#include "webhook_body.hpp"

namespace strata::ingest {
namespace {

TEST(IngestWebhookBody, JsonAndFormEncodedBodiesAreRecognised) {
    EXPECT_EQ(body_encoding("application/json"), BodyEncoding::Json);
    EXPECT_EQ(body_encoding("Application/JSON; charset=utf-8"), BodyEncoding::Json);
    EXPECT_EQ(body_encoding("application/x-www-form-urlencoded"), BodyEncoding::Form);
    EXPECT_EQ(body_encoding(" application/x-www-form-urlencoded ;charset=UTF-8"),
              BodyEncoding::Form);
}

TEST(IngestWebhookBody, OtherMediaTypesAreUnsupported) {
    for (const char* type : {"", "text/plain", "application/jsonp", "multipart/form-data",
                             "application/xml", "json"}) {
        EXPECT_EQ(body_encoding(type), BodyEncoding::Unsupported) << type;
    }
}

TEST(IngestWebhookBody, FormPayloadFieldIsUrlDecoded) {
    auto payload = form_payload("foo=1&payload=%7B%22zen%22%3A%22Keep+it+simple.%22%7D&bar=2");
    ASSERT_TRUE(payload.ok()) << payload.error().message;
    EXPECT_EQ(*payload, R"({"zen":"Keep it simple."})");
}

TEST(IngestWebhookBody, FormWithoutPayloadOrWithABadEscapeIsAnError) {
    EXPECT_FALSE(form_payload("").ok());
    EXPECT_FALSE(form_payload("payloads=%7B%7D").ok());
    EXPECT_FALSE(form_payload("payload=%7").ok());
    EXPECT_FALSE(form_payload("payload=%zz").ok());
}

TEST(IngestRepoAllowlist, GlobsMatchOwnerAndNameWithoutRegardToCase) {
    auto list = RepoAllowlist::parse("acme/*, other-org/infra-*");
    ASSERT_TRUE(list.ok()) << list.error().message;
    EXPECT_TRUE(list->allows("acme/infra"));
    EXPECT_TRUE(list->allows("ACME/Infra"));
    EXPECT_TRUE(list->allows("other-org/infra-prod"));
    EXPECT_FALSE(list->allows("other-org/website"));
    EXPECT_FALSE(list->allows("acme-evil/infra"));
    EXPECT_FALSE(list->allows("acme/infra/extra"));
}

TEST(IngestRepoAllowlist, EveryRepositoryMatchesStarSlashStar) {
    auto list = RepoAllowlist::parse("*/*");
    ASSERT_TRUE(list.ok());
    EXPECT_TRUE(list->allows("anyone/anything"));
}

TEST(IngestRepoAllowlist, AMalformedPatternIsAnErrorNamingIt) {
    auto list = RepoAllowlist::parse("acme/*,acme/[infra");
    ASSERT_FALSE(list.ok());
    EXPECT_NE(list.error().message.find("acme/[infra"), std::string::npos);
}

TEST(IngestRepoAllowlist, AnEmptyListAllowsNothing) {
    auto list = RepoAllowlist::parse(" , ");
    ASSERT_TRUE(list.ok());
    EXPECT_TRUE(list->patterns().empty());
    EXPECT_FALSE(list->allows("acme/infra"));
}

}  // namespace
}  // namespace strata::ingest
