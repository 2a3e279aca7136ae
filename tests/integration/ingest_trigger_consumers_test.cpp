// The real consumers of manual triggers, as black boxes: the strata-planner (trigger.deploy) and
// strata-scheduler (trigger.unlock, trigger.confirm, trigger.reject) binaries, started on the
// test's exchange. Triggers sent with amqp-publish that they cannot act on are dead-lettered into
// the consumer's DLQ with the reason (x-strata-reason, seen through a tap on the dead-letter
// exchange) and the original routing key: never acked silently, never requeued. The planner
// also counts them on its /metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ingest_harness.hpp"
#include "strata/loop.hpp"
#include "support/child_process.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

std::string http_get(int port, const std::string& path) {
    return shell("curl -fsS --max-time 2 http://127.0.0.1:" + std::to_string(port) + path +
                 " 2>/dev/null")
        .second;
}

class IngestTriggerConsumersTest : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& q :
             {exchange + ".planner", exchange + ".planner.dlq", exchange + ".scheduler",
              exchange + ".scheduler.dlq", tap_queue, tap_queue + ".dlq"})
            shell("amqp-delete-queue --url '" + tool_url(url) + "' -q '" + q + "' >/dev/null 2>&1");
        std::filesystem::remove_all(dir);
    }

    std::map<std::string, std::string> common(int port) {
        return {{"STRATA_AMQP_URL", url},
                {"STRATA_AMQP_EXCHANGE", exchange},
                {"STRATA_HTTP_PORT", std::to_string(port)},
                {"STRATA_LOG_LEVEL", "warn"}};
    }

    // Both daemons answer /healthz with the broker connected (their queues are declared).
    bool ready(Loop& loop) {
        return run_until(
            loop,
            [&] {
                return http_get(planner_port, "/healthz").find("\"amqp\":true") !=
                           std::string::npos &&
                       http_get(scheduler_port, "/healthz").find("\"amqp\":true") !=
                           std::string::npos;
            },
            60s);
    }

    std::string url = shared_amqp_url();
    std::string exchange = unique_name("ingest-consumers");
    std::string tap_queue = unique_name("ingest-consumers-tap");
    std::string dir = "/tmp/" + unique_name("ingest-consumers");
    int planner_port = free_port();
    int scheduler_port = free_port();
};

TEST_F(IngestTriggerConsumersTest, PlannerAndSchedulerDeadLetterTriggersTheyCannotDecode) {
    std::filesystem::create_directories(dir + "/mirrors");
    auto planner_settings = common(planner_port);
    planner_settings["STRATA_CACHE_DIR"] = dir + "/mirrors";
    auto scheduler_settings = common(scheduler_port);
    scheduler_settings["STRATA_REDIS_URL"] = shared_redis_url();
    scheduler_settings["STRATA_REDIS_PREFIX"] = unique_name("ingest-consumers");
    auto planner = ChildProcess::daemon("planner", planner_settings, dir + "/planner");
    auto scheduler = ChildProcess::daemon("scheduler", scheduler_settings, dir + "/scheduler");

    Loop loop;
    auto tapped = std::make_shared<std::vector<Delivery>>();
    AmqpOptions o;
    o.url = url;
    o.exchange = exchange + ".dlx";
    o.connection_name = "ingest-consumers-tap";
    AmqpClient tap(loop, o);
    tap.declare({tap_queue, {"strata.planner", "strata.scheduler"}, 5, 16, true},
                [tapped](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                    tapped->push_back(d);
                    c->ack();
                });
    tap.start();
    ASSERT_TRUE(run_until(
        loop, [&] { return tap.healthy(); }, 30s));
    ASSERT_TRUE(ready(loop)) << "the daemons did not connect; logs in " << dir;

    ASSERT_EQ(amqp_publish(url, exchange, "trigger.deploy", "deploy app please"), 0);
    ASSERT_EQ(amqp_publish(url, exchange, "trigger.deploy",
                           hand_written_envelope("trigger.deploy", "t-no-user",
                                                 R"({"repository":"acme/infra","roots":["app"]})")),
              0);
    // Decodes, but breaks the trigger rules (strata/triggers.hpp): a short revision.
    ASSERT_EQ(amqp_publish(url, exchange, "trigger.deploy",
                           hand_written_envelope(
                               "trigger.deploy", "t-short-sha",
                               R"({"repository":"acme/infra","roots":["app"],"revision":"abc123",)"
                               R"("branch":"","user":"ops","reason":"","force":false})")),
              0);
    ASSERT_EQ(amqp_publish(url, exchange, "trigger.unlock",
                           hand_written_envelope("trigger.unlock", "t-no-root",
                                                 R"({"repository":"acme/infra","user":"ops"})")),
              0);
    ASSERT_EQ(amqp_publish(url, exchange, "trigger.confirm",
                           hand_written_envelope("trigger.confirm", "t-which",
                                                 R"({"user":"ops","reason":"looks fine"})")),
              0);
    ASSERT_TRUE(run_until(
        loop, [&] { return tapped->size() >= 5; }, 30s))
        << tapped->size() << " dead-lettered; logs in " << dir;
    tap.close(2s);

    std::map<std::string, std::vector<std::string>> reasons;  // routing key -> reasons
    for (const auto& d : *tapped) {
        ASSERT_EQ(d.headers.count("x-strata-reason"), 1u) << d.body;
        ASSERT_EQ(d.headers.count("x-strata-routing-key"), 1u) << d.body;
        const auto& key = d.headers.at("x-strata-routing-key");
        EXPECT_EQ(d.routing_key, key == "trigger.deploy" ? "strata.planner" : "strata.scheduler");
        EXPECT_FALSE(d.headers.at("x-strata-reason").empty());
        reasons[key].push_back(d.headers.at("x-strata-reason"));
    }
    ASSERT_EQ(reasons["trigger.deploy"].size(), 3u);
    EXPECT_TRUE(std::any_of(
        reasons["trigger.deploy"].begin(), reasons["trigger.deploy"].end(),
        [](const std::string& r) { return r.find("not a full 40-digit") != std::string::npos; }))
        << "the short revision was not refused by the trigger rules";
    EXPECT_EQ(reasons["trigger.unlock"].size(), 1u);
    EXPECT_EQ(reasons["trigger.confirm"].size(), 1u);
    for (const auto& r : reasons["trigger.deploy"]) std::cout << "trigger.deploy: " << r << "\n";
    for (const auto& key : {"trigger.unlock", "trigger.confirm"})
        for (const auto& r : reasons[key]) std::cout << key << ": " << r << "\n";
    auto metrics = http_get(planner_port, "/metrics");
    EXPECT_NE(metrics.find("strata_planner_invalid_triggers_total 3"), std::string::npos)
        << metrics;
    // The scheduler counts what it dead-letters, by type.
    auto scheduler_metrics = http_get(scheduler_port, "/metrics");
    for (const auto& type : {"trigger.unlock", "trigger.confirm"}) {
        bool counted = false;
        std::istringstream lines(scheduler_metrics);
        for (std::string line; std::getline(lines, line);)
            counted |= line.starts_with("strata_scheduler_messages_total{") &&
                       line.find("\"" + std::string(type) + "\"") != std::string::npos &&
                       line.find("\"dead_lettered\"") != std::string::npos && line.ends_with(" 1");
        EXPECT_TRUE(counted) << type << " not counted as dead-lettered:\n" << scheduler_metrics;
    }
}

}  // namespace
}  // namespace strata::testing
