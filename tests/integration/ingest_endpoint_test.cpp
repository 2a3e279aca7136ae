// POST /events on real Redis and RabbitMQ: the GitHub corpus through the endpoint, signed; bad
// signatures, truncated and non-JSON bodies, wrong content types, huge bodies, slow headers,
// duplicate deliveries, the allowlist, and what reaches the broker in each case.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "ingest_harness.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSecret = "test-secret-2f8a";
const std::string kPreviousSecret = "previous-secret-91c0";
const fs::path kCorpus = STRATA_SOURCE_DIR "/../shared/fixtures/github-webhooks";

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string status_of(const RawResponse& r) {
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    return doc.is_object() && doc.contains("status") ? doc["status"].get<std::string>() : "";
}

class IngestEndpointTest : public ::testing::Test {
protected:
    void SetUp() override { start({}); }

    void TearDown() override {
        ingest.reset();
        delete_downstream(shared_amqp_url(), exchange);
    }

    void start(std::map<std::string, std::string> extra, HttpServerOptions http = {},
               bool bind_downstream = true) {
        ingest.reset();
        IngestHarnessOptions o;
        o.amqp_url = shared_amqp_url();
        o.redis_url = shared_redis_url();
        o.exchange = exchange;
        o.redis_prefix = prefix;
        o.config = {{"webhook_secret", kSecret},
                    {"webhook_secret_previous", kPreviousSecret},
                    {"repo_allowlist",
                     "acme/*,codertocat/*,electron/*,github/*,octo-org/*,"
                     "octocoders/*,octocat/*"}};
        for (auto& [k, v] : extra) o.config[k] = v;
        o.http = http;
        o.bind_downstream = bind_downstream;
        ingest = std::make_unique<IngestHarness>(o);
    }

    WebhookRequest push(const std::string& repo = "acme/infra") {
        return {"push", unique_name("delivery"), push_payload(repo, 4096)};
    }

    RawResponse post(const WebhookRequest& w, const std::string& secret = kSecret) {
        return post_webhook(ingest->port(), w, secret);
    }

    std::vector<Delivery> published() {
        std::string error;
        auto got = take_downstream(shared_amqp_url(), exchange, &error);
        EXPECT_TRUE(error.empty()) << error;
        return got;
    }

    std::string exchange = unique_name("ingest-endpoint");
    std::string prefix = unique_name("ingest-endpoint");
    std::unique_ptr<IngestHarness> ingest;
};

TEST_F(IngestEndpointTest, EveryCorpusPayloadIsAcceptedOrIgnoredAndEveryAcceptedOneIsPublished) {
    if (!fs::is_directory(kCorpus)) GTEST_SKIP() << "corpus not present at " << kCorpus;
    std::map<std::string, std::string> accepted;  // message id -> file
    int ignored = 0;
    for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
        auto name = entry.path().lexically_relative(kCorpus).string();
        WebhookRequest w{entry.path().parent_path().filename().string(), unique_name("corpus"),
                         read_file(entry.path())};
        auto r = post(w);
        ASSERT_EQ(r.status, 202) << name << ": " << r.body;
        auto status = status_of(r);
        if (status == "accepted") {
            accepted[nlohmann::json::parse(r.body)["message_id"]] = name;
        } else {
            EXPECT_EQ(status, "ignored") << name << ": " << r.body;
            ++ignored;
        }
    }
    ASSERT_FALSE(accepted.empty());
    auto got = published();
    std::map<std::string, int> copies;
    for (const auto& d : got) ++copies[d.message_id];
    for (const auto& [id, name] : accepted) EXPECT_EQ(copies[id], 1) << name;
    EXPECT_EQ(got.size(), accepted.size());
    std::cout << accepted.size() << " accepted and published, " << ignored << " ignored\n";
}

TEST_F(IngestEndpointTest, AcceptedPushIsPublishedWithItsTypeIdsAndBody) {
    auto w = push();
    auto r = post(w);
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(status_of(r), "accepted");
    auto got = published();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].routing_key, "event.push");
    EXPECT_EQ(got[0].message_id, nlohmann::json::parse(r.body)["message_id"]);
    EXPECT_EQ(got[0].correlation_id, w.delivery);
    auto body = nlohmann::json::parse(got[0].body);
    EXPECT_EQ(body["payload"]["repo"]["full_name"], "acme/infra");
    EXPECT_EQ(body["correlation_id"], w.delivery);
    EXPECT_EQ(ingest->webhooks("push", "accepted"), 1);
}

TEST_F(IngestEndpointTest, LargePayloadIsCheckedOffTheLoopAndPublishedLikeASmallOne) {
    // Over 64 KiB, the signature check and parsing run on the thread pool.
    WebhookRequest w{"push", unique_name("delivery"), push_payload("acme/infra", 2 * 1024 * 1024)};
    auto r = post(w);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(status_of(r), "accepted");
    auto bad = w;
    bad.delivery = unique_name("delivery");
    EXPECT_EQ(post(bad, "wrong-secret").status, 401);
    auto got = published();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].correlation_id, w.delivery);
}

TEST_F(IngestEndpointTest, TheWebhookPathIsConfigurable) {
    start({{"webhook_path", "/github/hook"}});
    auto w = push();
    EXPECT_EQ(post(w).status, 404);
    w.path = "/github/hook";
    auto r = post(w);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(published().size(), 1u);
}

TEST_F(IngestEndpointTest, BadSignaturesAreRefusedWith401AndNothingIsPublished) {
    auto w = push();
    EXPECT_EQ(post(w, "wrong-secret").status, 401);
    EXPECT_EQ(post(w, "").status, 401);  // no signature header
    auto sha1 = w;
    sha1.extra_headers["X-Hub-Signature"] = "sha1=0000";
    EXPECT_EQ(post(sha1, "").status, 401);
    auto tampered = w;
    tampered.extra_headers["X-Hub-Signature-256"] = "sha256=" + std::string(64, 'a');
    EXPECT_EQ(post(tampered, "").status, 401);
    EXPECT_EQ(ingest->webhooks("push", "bad_signature"), 4);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, ThePreviousSecretIsAcceptedDuringARotation) {
    EXPECT_EQ(post(push(), kPreviousSecret).status, 202);
    EXPECT_EQ(post(push(), kSecret).status, 202);
    EXPECT_EQ(published().size(), 2u);
}

TEST_F(IngestEndpointTest, TruncatedBodyIsNeverAccepted) {
    auto w = push();
    auto bytes = webhook_bytes(w, kSecret);
    RawHttpConnection c(ingest->port());
    ASSERT_TRUE(c.send(bytes.substr(0, bytes.size() - 500)));
    c.shutdown_write();  // the client went away mid-body
    auto r = c.read_response(5s);
    EXPECT_EQ(r.status, 0) << "a request whose body never arrived must not be answered";
    EXPECT_TRUE(r.closed);
    // A body cut short but signed as it is (a proxy cutting it, say): not JSON, 400.
    auto cut = w;
    cut.body = w.body.substr(0, w.body.size() / 2);
    EXPECT_EQ(post(cut).status, 400);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, NonJsonAndMissingHeadersAreBadRequests) {
    auto w = push();
    w.body = "this is not json";
    EXPECT_EQ(post(w).status, 400);
    w.body = "[1,2,3]";
    EXPECT_EQ(post(w).status, 400);
    auto no_delivery = push();
    no_delivery.delivery = "";
    EXPECT_EQ(post(no_delivery).status, 400);
    auto bad_delivery = push();
    bad_delivery.delivery = "not a guid!";
    EXPECT_EQ(post(bad_delivery).status, 400);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, WrongContentTypesAre415) {
    for (const std::string type : {"text/plain", "multipart/form-data; boundary=x", ""}) {
        auto w = push();
        w.content_type = type;
        EXPECT_EQ(post(w).status, 415) << "'" << type << "'";
    }
    EXPECT_EQ(ingest->webhooks("push", "unsupported_media_type"), 3);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, FormEncodedWebhookIsAcceptedLikeJson) {
    auto w = push();
    std::string encoded;
    for (unsigned char c : w.body) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        encoded += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string(hex);
    }
    w.body = "payload=" + encoded;
    w.content_type = "application/x-www-form-urlencoded";
    auto r = post(w);
    EXPECT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(status_of(r), "accepted");
    auto empty_form = push();
    empty_form.body = "other=1";
    empty_form.content_type = "application/x-www-form-urlencoded";
    EXPECT_EQ(post(empty_form).status, 400);
    EXPECT_EQ(published().size(), 1u);
}

TEST_F(IngestEndpointTest, BodyAnnouncedOver25MiBIs413WithoutBeingSent) {
    auto w = push();
    w.body.clear();
    auto head = webhook_bytes(w, kSecret);
    head.replace(head.find("Content-Length: 0"), 17,
                 "Content-Length: " + std::to_string(25 * 1024 * 1024 + 1));
    RawHttpConnection c(ingest->port());
    ASSERT_TRUE(c.send(head));
    auto r = c.read_response(5s);
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(r.closed);
}

TEST_F(IngestEndpointTest, ChunkedBodyGrowingPast25MiBIs413) {
    auto w = push();
    w.extra_headers["Transfer-Encoding"] = "chunked";
    RawHttpConnection c(ingest->port());
    ASSERT_TRUE(c.send(webhook_bytes(w, kSecret)));
    const std::string chunk_data(1024 * 1024, 'x');
    std::ostringstream size;
    size << std::hex << chunk_data.size();
    const std::string chunk = size.str() + "\r\n" + chunk_data + "\r\n";
    std::thread sender([&] {
        for (int i = 0; i < 27; ++i) {  // 27 MiB; stops early once the server refuses
            if (!c.send(chunk)) return;
        }
    });
    auto r = c.read_response(30s);
    sender.join();
    EXPECT_EQ(r.status, 413);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, SlowHeadersAreCutOffAtTheDeadline) {
    HttpServerOptions http;
    http.header_timeout = 300ms;
    start({}, http);
    RawHttpConnection c(ingest->port());
    ASSERT_TRUE(c.send("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: pu"));
    auto r = c.read_response(5s);
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(IngestEndpointTest, OversizedHeadersAre431AndTheConnectionIsClosed) {
    auto w = push();
    w.extra_headers["X-Padding"] = std::string(128 * 1024, 'h');
    RawHttpConnection c(ingest->port());
    c.send(webhook_bytes(w, kSecret));  // the server may close before it has read everything
    auto r = c.read_response(5s);
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(r.closed || c.closed_within(5s));
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, DuplicateDeliveryIsAnsweredButPublishedOnce) {
    auto w = push();
    auto first = post(w);
    ASSERT_EQ(first.status, 202);
    EXPECT_EQ(status_of(first), "accepted");
    auto again = post(w);
    EXPECT_EQ(again.status, 202);
    EXPECT_EQ(status_of(again), "duplicate");
    EXPECT_EQ(published().size(), 1u);
}

TEST_F(IngestEndpointTest, ConcurrentCopiesOfADeliveryArePublishedOnceAndNoneIsLost) {
    auto w = push();
    std::vector<RawResponse> answers(8);
    std::vector<std::thread> senders;
    for (auto& a : answers)
        senders.emplace_back([&, port = ingest->port()] { a = post_webhook(port, w, kSecret); });
    for (auto& t : senders) t.join();
    int accepted = 0;
    for (const auto& a : answers) {
        // A copy arriving while the first is being published gets 409: GitHub keeps it failed
        // and retryable, so that no copy is answered 2xx before one was confirmed.
        EXPECT_TRUE(a.status == 202 || a.status == 409) << a.status << " " << a.body;
        accepted += status_of(a) == "accepted" ? 1 : 0;
    }
    EXPECT_EQ(accepted, 1);
    auto got = published();
    ASSERT_EQ(got.size(), 1u);
}

TEST_F(IngestEndpointTest, RepositoryOutsideTheAllowlistIs403) {
    auto r = post(push("mallory/infra"));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(ingest->webhooks("push", "forbidden"), 1);
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, UnhandledEventsAndActionsAreIgnoredAndCountedPerReason) {
    WebhookRequest star{"star", unique_name("d"), R"({"action":"created"})"};
    EXPECT_EQ(post(star).status, 202);
    nlohmann::json labeled = {
        {"action", "labeled"},
        {"repository",
         {{"full_name", "acme/infra"}, {"clone_url", "https://github.com/acme/infra.git"}}}};
    WebhookRequest pr{"pull_request", unique_name("d"), labeled.dump()};
    EXPECT_EQ(post(pr).status, 202);
    auto metrics = ingest->metrics().render();
    EXPECT_NE(
        metrics.find(R"(strata_ingest_ignored_total{event="star",reason="event_not_handled"} 1)"),
        std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find(
                  R"(strata_ingest_ignored_total{event="pull_request",reason="action:labeled"} 1)"),
              std::string::npos)
        << metrics;
    EXPECT_TRUE(published().empty());
}

TEST_F(IngestEndpointTest, UnroutableEventIs503AndTheDeliveryCanBeRedelivered) {
    ingest.reset();
    delete_downstream(shared_amqp_url(), exchange);
    exchange = unique_name("ingest-unroutable");  // an exchange with no queue bound yet
    start({}, {}, /*bind_downstream=*/false);
    auto w = push();
    auto r = post(w);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(ingest->webhooks("push", "broker_unavailable"), 1);
    // The dedupe record is gone: once a queue is bound, GitHub's redelivery is published.
    start({});
    auto again = post(w);
    EXPECT_EQ(again.status, 202);
    EXPECT_EQ(status_of(again), "accepted");
}

TEST(IngestEndpointRedis, RedisDownIs503) {
    auto redis = RedisServer::start();
    auto exchange = unique_name("ingest-redis-down");
    IngestHarnessOptions o;
    o.amqp_url = shared_amqp_url();
    o.redis_url = redis.url();
    o.exchange = exchange;
    o.redis_prefix = unique_name("ingest");
    o.config = {{"webhook_secret", kSecret}};
    IngestHarness ingest(o);
    redis.stop();
    WebhookRequest w{"push", unique_name("d"), push_payload("acme/infra", 2048)};
    auto r = post_webhook(ingest.port(), w, kSecret);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(ingest.webhooks("push", "redis_unavailable"), 1);
    delete_downstream(shared_amqp_url(), exchange);
}

}  // namespace
}  // namespace strata::testing
