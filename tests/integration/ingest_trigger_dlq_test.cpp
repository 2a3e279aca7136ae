// Manual triggers published with amqp-publish (Debian's amqp-tools, a client that knows nothing
// of Strata) reach a consumer bound to trigger.* that handles them the way the planner and the
// scheduler do: decode_trigger, then ack a valid one, or dead_letter_invalid an invalid one. The
// invalid ones land in the queue's DLQ with the reason in x-strata-reason (seen through a tap on
// the dead-letter exchange, since amqp-get prints no headers), and are logged and counted.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest_harness.hpp"
#include "strata/loop.hpp"
#include "strata/triggers.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

// What the consumer under test saw.
struct TriggerInbox {
    std::vector<std::string> acked;  // envelope ids
    std::vector<Delivery> dead;
};

Result<void> check(const Delivery& d) {
    auto valid = [](auto decoded) -> Result<void> {
        if (!decoded) return decoded.error();
        return {};
    };
    if (d.routing_key == TriggerDeploy::kType) return valid(decode_trigger<TriggerDeploy>(d.body));
    if (d.routing_key == TriggerUnlock::kType) return valid(decode_trigger<TriggerUnlock>(d.body));
    if (d.routing_key == TriggerConfirm::kType)
        return valid(decode_trigger<TriggerConfirm>(d.body));
    if (d.routing_key == TriggerReject::kType) return valid(decode_trigger<TriggerReject>(d.body));
    return make_error("unexpected routing key " + d.routing_key);
}

std::string envelope(const std::string& type, const std::string& id, const std::string& payload) {
    return hand_written_envelope(type, id, payload);
}

class IngestTriggerDlqTest : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& q : {queue_name, queue_name + ".dlq", tap_queue, tap_queue + ".dlq"})
            shell("amqp-delete-queue --url '" + tool_url(url) + "' -q '" + q + "' >/dev/null 2>&1");
    }

    AmqpOptions options(const std::string& on_exchange) {
        AmqpOptions o;
        o.url = url;
        o.exchange = on_exchange;
        o.connection_name = "ingest-trigger-dlq-test";
        o.max_backoff = 200ms;
        return o;
    }

    int publish(const std::string& routing_key, const std::string& body) {
        return amqp_publish(url, exchange, routing_key, body);
    }

    std::string url = shared_amqp_url();
    std::string exchange = unique_name("ingest-triggers");
    // Not under "strata.": the broker's queue has exactly this name.
    std::string queue_name = unique_name("ingest-trigger-consumer");
    std::string tap_queue = unique_name("ingest-trigger-tap");
    Loop loop;
    Metrics metrics;
};

TEST_F(IngestTriggerDlqTest, InvalidTriggersFromAmqpPublishAreDeadLetteredWithTheReason) {
    auto inbox = std::make_shared<TriggerInbox>();
    auto tapped = std::make_shared<std::vector<Delivery>>();
    {
        AmqpClient consumer(loop, options(exchange));
        QueueSpec spec{queue_name, {"trigger.*"}, 5, 16, true};
        consumer.declare(spec, [&, inbox](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
            auto valid = check(d);
            if (!valid) {
                inbox->dead.push_back(d);
                return dead_letter_invalid(metrics, d, *c, valid.error().message);
            }
            inbox->acked.push_back(decode_envelope(d.body)->id);
            c->ack();
        });
        AmqpClient tap(loop, options(exchange + ".dlx"));
        tap.declare({tap_queue, {queue_name}, 5, 16, true},
                    [tapped](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                        tapped->push_back(d);
                        c->ack();
                    });
        consumer.start();
        tap.start();
        ASSERT_TRUE(run_until(
            loop, [&] { return consumer.healthy() && tap.healthy(); }, 30s));

        const std::string sha(40, 'a');
        ASSERT_EQ(
            publish("trigger.deploy",
                    envelope("trigger.deploy", "t-valid",
                             R"({"repository":"acme/infra","roots":["app"],"revision":")" + sha +
                                 R"(","branch":"","user":"ops","reason":"","force":false})")),
            0);
        ASSERT_EQ(publish("trigger.deploy",
                          envelope("trigger.deploy", "t-no-roots",
                                   R"({"repository":"acme/infra","roots":[],"revision":"",)"
                                   R"("branch":"","user":"ops","reason":"","force":false})")),
                  0);
        ASSERT_EQ(publish("trigger.unlock", "unlock app please"), 0);
        ASSERT_EQ(
            publish("trigger.confirm", envelope("trigger.confirm", "t-who",
                                                R"({"deployment_id":"","repository":"acme/infra",)"
                                                R"("root":"","user":"ops","reason":""})")),
            0);
        ASSERT_TRUE(run_until(
            loop,
            [&] { return inbox->acked.size() + inbox->dead.size() == 4 && tapped->size() == 3; },
            30s))
            << inbox->acked.size() << " acked, " << inbox->dead.size() << " dead, "
            << tapped->size() << " tapped";
        consumer.close(5s);
        tap.close(5s);
    }
    EXPECT_EQ(inbox->acked, std::vector<std::string>{"t-valid"});
    std::map<std::string, std::string> reasons;  // routing key -> reason
    for (const auto& d : *tapped) {
        EXPECT_EQ(d.routing_key, queue_name);
        ASSERT_EQ(d.headers.count("x-strata-reason"), 1u);
        reasons[d.headers.at("x-strata-routing-key")] = d.headers.at("x-strata-reason");
    }
    EXPECT_EQ(reasons["trigger.deploy"],
              "invalid trigger.deploy: roots is empty: name at least one root");
    EXPECT_EQ(reasons["trigger.unlock"], "decoding trigger.unlock: message is not valid JSON");
    EXPECT_EQ(reasons["trigger.confirm"],
              "invalid trigger.confirm: name the deployment: deployment_id, or repository and "
              "root");
    // They sit in the consumer's DLQ for an operator to inspect (amqp-get takes them one by one).
    int in_dlq = 0;
    for (int i = 0; i < 3; ++i) {
        auto [rc, body] =
            shell("amqp-get --url '" + tool_url(url) + "' -q '" + queue_name + ".dlq' 2>/dev/null");
        in_dlq += rc == 0 ? 1 : 0;
    }
    EXPECT_EQ(in_dlq, 3);
    auto counted = metrics.render();
    EXPECT_NE(counted.find("strata_messages_dead_lettered_total{queue=\"" + queue_name +
                           "\",routing_key=\"trigger.deploy\"} 1"),
              std::string::npos)
        << counted;
}

}  // namespace
}  // namespace strata::testing
