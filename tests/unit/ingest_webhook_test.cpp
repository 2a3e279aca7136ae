// GitHub webhooks as a plain function of their input: signature check and normalisation.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "strata/crypto.hpp"
#include "strata/messages.hpp"
#include "webhook.hpp"

namespace strata::ingest {
namespace {

std::string read_fixture(const std::string& relative) {
    std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/tests/fixtures/" + relative,
                     std::ios::binary);
    EXPECT_TRUE(in.good()) << relative;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string sign(const std::string& secret, const std::string& body) {
    return "sha256=" + hmac_sha256_hex(secret, body);
}

const std::string kBody = R"({"zen":"Keep it logically awesome."})";

TEST(IngestWebhook, SignatureMadeWithTheSecretIsValid) {
    EXPECT_TRUE(signature_valid(kBody, sign("s3cret", kBody), {"s3cret"}));
}

TEST(IngestWebhook, GithubsDocumentedSignatureIsValid) {
    EXPECT_TRUE(signature_valid(
        "Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        {"It's a Secret to Everybody"}));
}

TEST(IngestWebhook, SignatureMadeWithAnotherSecretIsInvalid) {
    EXPECT_FALSE(signature_valid(kBody, sign("other", kBody), {"s3cret"}));
}

TEST(IngestWebhook, SignatureOfAnotherBodyIsInvalid) {
    EXPECT_FALSE(signature_valid(kBody + " ", sign("s3cret", kBody), {"s3cret"}));
}

TEST(IngestWebhook, SignatureWithoutTheSha256PrefixIsInvalid) {
    auto hex = hmac_sha256_hex("s3cret", kBody);
    EXPECT_FALSE(signature_valid(kBody, hex, {"s3cret"}));
    EXPECT_FALSE(signature_valid(kBody, "sha1=" + hex, {"s3cret"}));
    EXPECT_FALSE(signature_valid(kBody, "SHA256=" + hex, {"s3cret"}));
    EXPECT_FALSE(signature_valid(kBody, "", {"s3cret"}));
    EXPECT_FALSE(signature_valid(kBody, "sha256=", {"s3cret"}));
}

TEST(IngestWebhook, TruncatedSignatureIsInvalid) {
    auto header = sign("s3cret", kBody);
    EXPECT_FALSE(signature_valid(kBody, header.substr(0, header.size() - 1), {"s3cret"}));
}

TEST(IngestWebhook, EitherOfTwoSecretsIsAcceptedDuringARotation) {
    std::vector<std::string> secrets = {"old-secret", "new-secret"};
    EXPECT_TRUE(signature_valid(kBody, sign("old-secret", kBody), secrets));
    EXPECT_TRUE(signature_valid(kBody, sign("new-secret", kBody), secrets));
    EXPECT_FALSE(signature_valid(kBody, sign("retired-secret", kBody), secrets));
}

TEST(IngestWebhook, NoSecretOrAnEmptySecretAcceptsNothing) {
    EXPECT_FALSE(signature_valid(kBody, sign("", kBody), {}));
    EXPECT_FALSE(signature_valid(kBody, sign("", kBody), {""}));
}

TEST(IngestWebhook, DeliveryIdsArePlainShortTokens) {
    EXPECT_TRUE(delivery_id_valid("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
    EXPECT_FALSE(delivery_id_valid(""));
    EXPECT_FALSE(delivery_id_valid(std::string(65, 'a')));
    EXPECT_FALSE(delivery_id_valid("a b"));
    EXPECT_FALSE(delivery_id_valid("a:b"));
    EXPECT_FALSE(delivery_id_valid("x\r\nSet-Cookie: y"));
}

TEST(IngestWebhook, PushIsNormalizedWithItsFieldsMapped) {
    auto body = read_fixture("webhooks/push.json");
    auto outcome = normalize("push", "f3b0c1a2-1234-11ef-9a4e-0242ac120002", body);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(std::holds_alternative<Normalized>(*outcome));
    const auto& n = std::get<Normalized>(*outcome);
    EXPECT_EQ(n.type, "event.push");

    auto m = decode<PushEvent>(n.body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->envelope.id, n.message_id);
    EXPECT_EQ(m->envelope.producer, "ingest");
    EXPECT_EQ(m->envelope.correlation_id, "f3b0c1a2-1234-11ef-9a4e-0242ac120002");
    const auto& p = m->payload;
    EXPECT_EQ(p.repo.full_name, "acme-platform/terraform-live");
    EXPECT_EQ(p.repo.clone_url, "https://github.com/acme-platform/terraform-live.git");
    EXPECT_EQ(p.repo.default_branch, "main");
    EXPECT_EQ(p.repo.installation_id, 50912377);
    EXPECT_EQ(p.ref, "refs/heads/main");
    EXPECT_EQ(p.before, "9c4f1d2e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d");
    EXPECT_EQ(p.after, "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5");
    EXPECT_EQ(p.pusher, "rlindqvist");
    EXPECT_FALSE(p.forced);
}

TEST(IngestWebhook, ForcedPushIsMarkedForced) {
    auto doc = nlohmann::json::parse(read_fixture("webhooks/push.json"));
    doc["forced"] = true;
    auto outcome = normalize("push", "d-forced", doc.dump());
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    auto m = decode<PushEvent>(std::get<Normalized>(*outcome).body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m->payload.forced);
}

TEST(IngestWebhook, PushWithoutInstallationHasInstallationIdZero) {
    auto doc = nlohmann::json::parse(read_fixture("webhooks/push.json"));
    doc.erase("installation");
    auto outcome = normalize("push", "d-no-installation", doc.dump());
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    auto m = decode<PushEvent>(std::get<Normalized>(*outcome).body);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->payload.repo.installation_id, 0);
}

TEST(IngestWebhook, PushLackingRequiredFieldsIsAnError) {
    for (const char* field : {"ref", "before", "after", "repository"}) {
        auto doc = nlohmann::json::parse(read_fixture("webhooks/push.json"));
        doc.erase(field);
        auto outcome = normalize("push", "d-missing", doc.dump());
        EXPECT_FALSE(outcome.ok()) << "without " << field;
    }
}

TEST(IngestWebhook, BodyThatIsNotJsonIsAnError) {
    auto outcome = normalize("push", "d1", "this is not json");
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().message, "body is not a JSON object");
    EXPECT_FALSE(normalize("push", "d1", "").ok());
    EXPECT_FALSE(normalize("push", "d1", "[1,2]").ok());
    EXPECT_FALSE(normalize("ping", "d1", "{\"zen\":").ok());
}

TEST(IngestWebhook, UnhandledEventIsIgnoredWithAReason) {
    auto outcome = normalize("star", "d2", R"({"action":"created"})");
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(std::holds_alternative<Ignored>(*outcome));
    EXPECT_NE(std::get<Ignored>(*outcome).reason.find("star"), std::string::npos);
}

TEST(IngestWebhook, SameDeliveryIdGivesTheSameMessageId) {
    auto body = read_fixture("webhooks/push.json");
    auto first = normalize("push", "5b6c7d8e-0000-11ef-8000-000000000001", body);
    auto again = normalize("push", "5b6c7d8e-0000-11ef-8000-000000000001", body);
    auto other = normalize("push", "5b6c7d8e-0000-11ef-8000-000000000002", body);
    ASSERT_TRUE(first.ok() && again.ok() && other.ok());
    const auto& a = std::get<Normalized>(*first);
    const auto& b = std::get<Normalized>(*again);
    const auto& c = std::get<Normalized>(*other);
    EXPECT_EQ(a.message_id, b.message_id);
    EXPECT_NE(a.message_id, c.message_id);
    EXPECT_EQ(decode_envelope(a.body)->id, decode_envelope(b.body)->id);
}

}  // namespace
}  // namespace strata::ingest
