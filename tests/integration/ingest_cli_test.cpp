// The strata binary against a real RabbitMQ and Redis: each trigger command publishes what a
// consumer bound to trigger.* receives and accepts; a broker that cannot be reached or an
// exchange with nothing bound makes it fail with the reason; `status` reads queues written by the
// scheduler's own Lua scripts, and reads odd keys without failing.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deployment_store.hpp"
#include "ingest_harness.hpp"
#include "strata/loop.hpp"
#include "strata/redis.hpp"
#include "strata/triggers.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

const std::string kStrata = std::string(STRATA_BINARY_DIR) + "/bin/strata";

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs the CLI with a clean STRATA_* environment; stdout and stderr together.
std::pair<int, std::string> strata(const std::vector<std::string>& args) {
    std::string command = "env -u STRATA_AMQP_URL -u STRATA_REDIS_URL USER=ci-user " + kStrata;
    for (const auto& a : args) command += " " + quote(a);
    return shell(command + " 2>&1");
}

class IngestCliTest : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& q : {queue, queue + ".dlq"})
            shell("amqp-delete-queue --url '" + tool_url(url) + "' -q '" + q + "' >/dev/null 2>&1");
    }

    // Consumes trigger.* on the test's exchange while `publish` runs the CLI.
    std::vector<Delivery> consume_while(const std::function<void()>& publish, std::size_t count) {
        std::vector<Delivery> got;
        AmqpOptions o;
        o.url = url;
        o.exchange = exchange;
        o.connection_name = "ingest-cli-test";
        AmqpClient consumer(loop, o);
        consumer.declare({queue, {"trigger.*"}, 5, 16, true},
                         [&](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
                             got.push_back(d);
                             c->ack();
                         });
        consumer.start();
        EXPECT_TRUE(run_until(
            loop, [&] { return consumer.healthy(); }, 30s));
        publish();
        EXPECT_TRUE(run_until(
            loop, [&] { return got.size() >= count; }, 30s));
        consumer.close(2s);
        return got;
    }

    std::vector<std::string> amqp_flags() {
        return {"--amqp-url", url, "--amqp-exchange", exchange};
    }

    std::string url = shared_amqp_url();
    std::string exchange = unique_name("ingest-cli");
    std::string queue = unique_name("ingest-cli-triggers");
    Loop loop;
};

TEST_F(IngestCliTest, EachTriggerCommandPublishesWhatItsConsumerAccepts) {
    const std::string sha = "0123456789abcdef0123456789abcdef01234567";
    std::vector<std::pair<int, std::string>> runs;
    auto got = consume_while(
        [&] {
            auto with = [&](std::vector<std::string> args) {
                for (auto& f : amqp_flags()) args.push_back(f);
                runs.push_back(strata(args));
            };
            with({"deploy", "--repo", "acme/infra", "--root", "app", "--root", "dns", "--rev", sha,
                  "--reason", "drift fix", "--force"});
            with({"unlock", "--repo", "acme/infra", "--root", "app", "--user", "ops-lead"});
            with({"confirm", "--deployment", "dep-42"});
            with({"reject", "--repo", "acme/infra", "--root", "dns", "--reason", "too big"});
        },
        4);
    for (const auto& [rc, out] : runs) EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(runs[0].second.find("confirmed by the broker"), std::string::npos) << runs[0].second;
    ASSERT_EQ(got.size(), 4u);

    auto deploy = decode_trigger<TriggerDeploy>(got[0].body);
    ASSERT_TRUE(deploy.ok()) << deploy.error().message;
    EXPECT_EQ(got[0].routing_key, "trigger.deploy");
    EXPECT_EQ(got[0].message_id, deploy->envelope.id);
    EXPECT_EQ(deploy->payload.repository, "acme/infra");
    EXPECT_EQ(deploy->payload.roots, (std::vector<std::string>{"app", "dns"}));
    EXPECT_EQ(deploy->payload.revision, sha);
    EXPECT_EQ(deploy->payload.reason, "drift fix");
    EXPECT_TRUE(deploy->payload.force);
    EXPECT_EQ(deploy->payload.user, "ci-user");

    auto unlock = decode_trigger<TriggerUnlock>(got[1].body);
    ASSERT_TRUE(unlock.ok()) << unlock.error().message;
    EXPECT_EQ(unlock->payload.user, "ops-lead");
    auto confirm = decode_trigger<TriggerConfirm>(got[2].body);
    ASSERT_TRUE(confirm.ok()) << confirm.error().message;
    EXPECT_EQ(confirm->payload.deployment_id, "dep-42");
    auto reject = decode_trigger<TriggerReject>(got[3].body);
    ASSERT_TRUE(reject.ok()) << reject.error().message;
    EXPECT_EQ(reject->payload.root, "dns");
    EXPECT_EQ(reject->payload.reason, "too big");
}

TEST_F(IngestCliTest, UnreachableBrokerFailsWithTheReason) {
    auto [rc, out] = strata({"unlock", "--repo", "acme/infra", "--root", "app", "--amqp-url",
                             "amqp://guest:guest@127.0.0.1:" + std::to_string(free_port()) + "/",
                             "--timeout", "1s"});
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("could not reach the broker"), std::string::npos) << out;
}

TEST_F(IngestCliTest, TriggerNobodyConsumesIsUnroutableAndFails) {
    auto args = amqp_flags();  // a fresh exchange: no queue bound to trigger.deploy
    args.insert(args.begin(), {"deploy", "--repo", "acme/infra", "--root", "app"});
    auto [rc, out] = strata(args);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("has no queue bound to trigger.deploy"), std::string::npos) << out;
}

TEST_F(IngestCliTest, InvalidTriggerIsAUsageErrorAndNothingIsPublished) {
    auto args = amqp_flags();
    args.insert(args.begin(), {"deploy", "--repo", "acme/infra", "--root", "app", "--rev", "HEAD"});
    auto [rc, out] = strata(args);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find("is not a full 40-digit"), std::string::npos) << out;
}

// ---- status ---------------------------------------------------------------------------------

class IngestCliStatusTest : public ::testing::Test {
protected:
    void SetUp() override {
        redis = std::make_unique<RedisClient>(loop, RedisOptions{shared_redis_url()});
        redis->connect();
        ASSERT_TRUE(run_until(
            loop, [&] { return redis->healthy(); }, 10s));
    }
    void TearDown() override {
        (void)call({"EVAL",
                    "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
                    "0", prefix + ":*"});
        store.reset();
        redis->close();
    }

    Result<RedisReply> call(std::vector<std::string> argv) {
        std::optional<Result<RedisReply>> answer;
        redis->command(std::move(argv), [&](Result<RedisReply> r) { answer = std::move(r); });
        if (!run_until(
                loop, [&] { return answer.has_value(); }, 10s))
            return make_error("no answer");
        return std::move(*answer);
    }

    void enqueue(const std::string& msg, const std::string& root, const std::string& revision,
                 const std::string& trigger, const std::string& user) {
        if (!store) store = std::make_unique<scheduler::DeploymentStore>(*redis, prefix);
        DeployRequested r;
        r.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 0};
        r.root = {root, "roots/" + root, "default", ""};
        r.revision = revision;
        r.ref = "refs/heads/main";
        r.trigger = trigger;
        r.user = user;
        std::optional<Result<scheduler::Transition>> done;
        store->enqueue({msg, "cid-" + msg}, "dep-" + msg, r, scheduler::RootPolicy{},
                       [&](Result<scheduler::Transition> t) { done = std::move(t); });
        ASSERT_TRUE(run_until(
            loop, [&] { return done.has_value(); }, 10s));
        ASSERT_TRUE(done->ok()) << done->error().message;
    }

    std::pair<int, std::string> status(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"status",      "--repo",           "acme/infra",
                                         "--redis-url", shared_redis_url(), "--redis-prefix",
                                         prefix};
        args.insert(args.end(), extra.begin(), extra.end());
        return strata(args);
    }

    Loop loop;
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<scheduler::DeploymentStore> store;
    std::string prefix = unique_name("ingest-cli-status");
};

TEST_F(IngestCliStatusTest, StatusShowsTheQueuesTheSchedulerWrote) {
    const std::string r1(40, '1'), r2(40, '2'), r3(40, '3'), r4(40, '4');
    enqueue("m1", "app", r1, "merge", "alice");
    enqueue("m2", "app", r2, "merge", "bob");
    enqueue("manual", "app", r3, "manual", "carol");
    enqueue("d1", "dns", r4, "merge", "dave");
    auto [rc, out] = status();
    ASSERT_EQ(rc, 0) << out;
    std::cout << out;
    EXPECT_NE(out.find("acme/infra: 2 roots"), std::string::npos) << out;
    EXPECT_NE(out.find("dep-m1"), std::string::npos) << out;
    EXPECT_NE(out.find("dep-m2"), std::string::npos) << out;
    EXPECT_NE(out.find("dep-manual"), std::string::npos) << out;
    EXPECT_NE(out.find("dep-d1"), std::string::npos) << out;
    EXPECT_NE(out.find("locked by carol (dep-manual)"), std::string::npos) << out;
    // The manual deploy leaves the queue before the merge deploy that waited longer.
    EXPECT_LT(out.find("dep-manual"), out.find("dep-m2")) << out;
    EXPECT_NE(out.find("strata unlock --repo acme/infra --root app"), std::string::npos) << out;

    auto [rc_dns, only_dns] = status({"--root", "dns"});
    ASSERT_EQ(rc_dns, 0) << only_dns;
    EXPECT_NE(only_dns.find("dep-d1"), std::string::npos);
    EXPECT_EQ(only_dns.find("dep-m1"), std::string::npos) << only_dns;
}

TEST_F(IngestCliStatusTest, StatusReadsUnexpectedKeysWithoutFailing) {
    const std::string R = prefix + ":root:acme/infra||legacy:";
    ASSERT_TRUE(call({"SET", R + "lock", "dep-old"}).ok());             // an older string lock
    ASSERT_TRUE(call({"RPUSH", R + "inflight", "x"}).ok());             // not a string
    ASSERT_TRUE(call({"RPUSH", R + "queue:manual", "dep-gone"}).ok());  // hash expired
    auto [rc, out] = status();
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("legacy"), std::string::npos) << out;
    EXPECT_NE(out.find("locked (dep-old)"), std::string::npos) << out;
    EXPECT_NE(out.find("(unknown)"), std::string::npos) << out;
    EXPECT_NE(out.find("note: "), std::string::npos) << out;
}

TEST_F(IngestCliStatusTest, UnreachableRedisFailsWithTheReason) {
    auto [rc, out] =
        strata({"status", "--repo", "acme/infra", "--redis-url",
                "redis://127.0.0.1:" + std::to_string(free_port()), "--timeout", "1s"});
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("could not reach Redis"), std::string::npos) << out;
}

}  // namespace
}  // namespace strata::testing
