// The notifier's other channels against the test double, with real RabbitMQ and Redis: Slack
// messages routed per event, the reminder about locked queues (its state in Redis survives a
// restart), SNS audit events signed with SigV4 (static keys and instance credentials), the
// pull-request plan comment (edited in place, split past GitHub's size limit), and channels that
// never wait on each other.
#include <gtest/gtest.h>

#include "delivery_queue.hpp"
#include "notifier_store.hpp"
#include "notifier_support.hpp"
#include "slack_channel.hpp"

namespace strata::notifier_testing {
namespace {

using testing::run_until;
using testing::unique_name;

const char* kAccessKey = "AKIDEXAMPLE";
const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

class NotifierChannels : public ::testing::Test {
protected:
    void TearDown() override {
        notifier.reset();
        delete_queues(exchange);
    }

    std::map<std::string, std::string> base_options() {
        return {{"STRATA_GITHUB_API_URL", api.url()},
                {"STRATA_GITHUB_TOKEN", "ghp_integration"},
                {"STRATA_DELIVERY_BASE_DELAY", "50ms"},
                {"STRATA_DELIVERY_MAX_DELAY", "300ms"},
                {"STRATA_SLACK_WEBHOOK_URL", api.url() + "/slack/T000/B000/secret"},
                {"STRATA_SLACK_BOT_TOKEN", "xoxb-integration"},
                {"STRATA_SLACK_API_URL", api.url() + "/api"},
                {"STRATA_SLACK_ROUTES",
                 "needs_review=webhook,#deploys;needs_unlock=#deploys;failed=#alerts;"
                 "succeeded=webhook;reminder=#deploys"},
                {"STRATA_SLACK_REMINDER_HOUR_UTC", "-1"},
                {"STRATA_SNS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:strata-audit"},
                {"STRATA_SNS_ENDPOINT", api.url() + "/sns"},
                {"STRATA_AWS_ACCESS_KEY_ID", kAccessKey},
                {"STRATA_AWS_SECRET_ACCESS_KEY", kSecretKey}};
    }

    void start(std::map<std::string, std::string> overrides = {}) {
        auto options = base_options();
        for (auto& [k, v] : overrides) options[k] = v;
        notifier = std::make_unique<NotifierUnderTest>(loop, exchange, prefix, options);
    }

    json slack_messages() { return api.state()["slack"]; }

    Loop loop;
    FakeApi api;
    std::string exchange = unique_name("notifier-ch");
    std::string prefix = unique_name("notifier-ch");
    std::unique_ptr<NotifierUnderTest> notifier;
};

TEST_F(NotifierChannels, SlackHearsOfReviewsFailuresAndSuccessesWhereTheRoutesSay) {
    start();
    auto d = deployment("dep-slack");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(notifier->publish(at(d, 3, "awaiting_review")));
    ASSERT_TRUE(poll(loop, [&] { return slack_messages().size() == 2; }))
        << slack_messages().dump(2);
    ASSERT_TRUE(poll(loop, [&] { return api.check_run("dep-slack").is_object(); }));
    auto failed = at(d, 4, "failed");
    failed.reason = "Error: creating S3 bucket: BucketAlreadyExists\nmore output";
    ASSERT_TRUE(notifier->publish(failed));
    ASSERT_TRUE(poll(loop, [&] { return slack_messages().size() == 3; }))
        << slack_messages().dump(2);

    auto messages = slack_messages();
    EXPECT_EQ(messages[0]["channel"], "webhook");
    EXPECT_EQ(messages[1]["channel"], "#deploys");
    for (int i : {0, 1}) {
        auto text = messages[i]["text"].get<std::string>();
        EXPECT_NE(text.find("Review needed"), std::string::npos) << text;
        const auto& button = messages[i]["blocks"][1]["elements"][0];
        EXPECT_NE(button["url"].get<std::string>().find("/acme/infra/"), std::string::npos)
            << button;
    }
    EXPECT_EQ(messages[2]["channel"], "#alerts");
    EXPECT_NE(
        messages[2]["blocks"][0]["text"]["text"].get<std::string>().find("BucketAlreadyExists"),
        std::string::npos);
    // The check run link is the check run once the GitHub channel created it.
    auto link = messages[2]["blocks"][1]["elements"][0]["url"].get<std::string>();
    EXPECT_NE(link.find("/runs/"), std::string::npos) << link;
}

TEST_F(NotifierChannels, ASlackOutageNeverHoldsUpTheCheckRuns) {
    start();
    api.control("fail", {{"service", "slack"}, {"count", 100000}, {"status", 503}});
    auto d = deployment("dep-independent");
    ASSERT_TRUE(notifier->publish(at(d, 1, "awaiting_review")));
    ASSERT_TRUE(poll(loop, [&] {
        auto run = api.check_run("dep-independent");
        return run.is_object() && run.value("conclusion", "") == "action_required";
    })) << "the check run waited on Slack";
    EXPECT_TRUE(slack_messages().empty());
    EXPECT_GT(api.state()["requests"]["slack"].get<int>(), 0) << "Slack was not even tried";
    api.control("reset", json::object());
    ASSERT_TRUE(poll(
        loop, [&] { return slack_messages().size() == 2; }, 30s))
        << "Slack did not get the message after it recovered";
}

TEST_F(NotifierChannels, EveryApplyStateChangeIsASignedAuditEventPublishedOnce) {
    api.control("aws", {{"access_key_id", kAccessKey}, {"secret_access_key", kSecretKey}});
    start();
    auto d = deployment("dep-audit");
    d.force = true;
    d.pull_number = 12;
    ASSERT_TRUE(notifier->publish(at(d, 1, "planning")));
    auto applying = at(d, 2, "applying");
    applying.apply_started_at = "2026-11-20T22:41:58.752Z";
    applying.approved_by = {"hubot"};
    applying.approved_at = "2026-11-20T22:41:50.000Z";
    ASSERT_TRUE(notifier->publish(applying));
    ASSERT_TRUE(notifier->publish(applying));  // published twice (a scheduler redelivery)
    auto done = at(applying, 3, "succeeded");
    done.finished_at = "2026-11-20T22:43:00.000Z";
    ASSERT_TRUE(notifier->publish(done));
    ASSERT_TRUE(poll(loop, [&] { return api.state()["sns"].size() >= 2; })) << api.state()["sns"];
    // Everything else the SNS channel got is settled by the time the check run is done.
    ASSERT_TRUE(poll(loop, [&] {
        auto run = api.check_run("dep-audit");
        return run.is_object() && run.value("conclusion", "") == "success";
    }));
    auto sns = api.state()["sns"];
    ASSERT_EQ(sns.size(), 2u) << sns.dump(2);
    auto running = json::parse(sns[0]["message"].get<std::string>());
    auto success = json::parse(sns[1]["message"].get<std::string>());
    EXPECT_EQ(sns[0]["topic"], "arn:aws:sns:us-east-1:123456789012:strata-audit");
    EXPECT_EQ(running["state"], "RUNNING");
    EXPECT_EQ(success["state"], "SUCCESS");
    EXPECT_EQ(success["version"], 1);
    EXPECT_EQ(success["id"], "dep-audit");
    EXPECT_EQ(success["job_type"], "APPLY");
    EXPECT_EQ(success["revision"], d.revision);
    EXPECT_EQ(success["repository"], "acme/infra");
    EXPECT_EQ(success["pull_number"], 12);
    EXPECT_EQ(success["environment"], "default");
    EXPECT_EQ(success["initiating_user"], "octocat");
    EXPECT_EQ(success["start_time"], "2026-11-20T22:41:58.752Z");
    EXPECT_EQ(success["end_time"], "2026-11-20T22:43:00.000Z");
    EXPECT_TRUE(running["end_time"].is_null());
    EXPECT_EQ(success["force_apply"], true);
    EXPECT_EQ(success["project"], "envs/network");
    EXPECT_EQ(success["root_name"], "network");
    EXPECT_EQ(success["approved_by"], json::array({"hubot"}));
    EXPECT_EQ(success["approved_time"], "2026-11-20T22:41:50.000Z");
}

TEST_F(NotifierChannels, AnAuditEventIsSignedWithInstanceCredentialsWhenNoKeysAreSet) {
    api.control("aws", {{"access_key_id", "ASIAINSTANCE"},
                        {"secret_access_key", "instance-secret"},
                        {"imds",
                         {{"AccessKeyId", "ASIAINSTANCE"},
                          {"SecretAccessKey", "instance-secret"},
                          {"Token", "session-token-from-imds"},
                          {"Expiration", "2099-01-01T00:00:00Z"}}}});
    start({{"STRATA_AWS_ACCESS_KEY_ID", ""},
           {"STRATA_AWS_SECRET_ACCESS_KEY", ""},
           {"STRATA_AWS_IMDS_URL", api.url()}});
    auto applying = at(deployment("dep-imds"), 1, "applying");
    ASSERT_TRUE(notifier->publish(applying));
    ASSERT_TRUE(poll(loop, [&] { return api.state()["sns"].size() == 1; })) << api.recorded();
    auto sns = api.state()["sns"][0];
    EXPECT_EQ(sns["access_key_id"], "ASIAINSTANCE");
    EXPECT_EQ(sns["session_token"], "session-token-from-imds");
}

TEST_F(NotifierChannels, APullRequestsPlansShareOneCommentEditedInPlace) {
    start();
    auto network = deployment("plan-network", "network");
    network.kind = "plan";
    network.trigger = "pull_request";
    network.pull_number = 12;
    auto dns = deployment("plan-dns", "dns");
    dns.kind = "plan";
    dns.trigger = "pull_request";
    dns.pull_number = 12;
    ASSERT_TRUE(notifier->publish(at(network, 1, "planning")));
    ASSERT_TRUE(notifier->publish(at(dns, 1, "planning")));
    auto planned = at(network, 2, "succeeded");
    planned.plan = PlanSummary{2, 0, 0, 0, 0, 0, {"+ aws_vpc.main", "+ aws_subnet.a"}};
    ASSERT_TRUE(notifier->publish(planned));
    auto comments = [&] { return api.state()["comments"]; };
    ASSERT_TRUE(poll(loop, [&] {
        auto c = comments();
        return c.size() == 1 &&
               c[0]["body"].get<std::string>().find("aws_subnet.a") != std::string::npos;
    })) << comments().dump(2);
    auto id = comments()[0]["id"];
    auto failed = at(dns, 2, "failed");
    failed.reason = "Error: no zone";
    ASSERT_TRUE(notifier->publish(failed));
    ASSERT_TRUE(poll(loop, [&] {
        auto c = comments();
        return c.size() == 1 &&
               c[0]["body"].get<std::string>().find("no zone") != std::string::npos;
    })) << comments().dump(2);
    auto body = comments()[0]["body"].get<std::string>();
    EXPECT_EQ(comments()[0]["id"], id) << "a second comment instead of an edit";
    EXPECT_EQ(comments()[0]["issue"], "acme/infra#12");
    EXPECT_NE(body.find("| `network` | ✅ planned | 2 to add, 0 to change, 0 to destroy |"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("| `dns` | ❌ failed |"), std::string::npos) << body;
    // A deploy (not a plan) never touches the comment.
    ASSERT_TRUE(notifier->publish(at(deployment("dep-other"), 1, "queued")));
    ASSERT_TRUE(poll(loop, [&] { return api.check_run("dep-other").is_object(); }));
    EXPECT_EQ(comments().size(), 1u);
}

TEST_F(NotifierChannels, APlanCommentPastGitHubsLimitIsSplitAndShrinksBackWhenThePlansDo) {
    start();
    auto big = [&](const std::string& root, long long seq, int resources) {
        auto s = deployment("plan-" + root, root);
        s.kind = "plan";
        s.trigger = "pull_request";
        s.pull_number = 7;
        s = at(s, seq, "succeeded");
        PlanSummary p;
        p.add = resources;
        for (int i = 0; i < resources; ++i)
            p.resources.push_back("+ module.cluster.aws_instance.node_" + root + "[" +
                                  std::to_string(i) + "]");
        s.plan = p;
        return s;
    };
    for (const char* root : {"a", "b", "c"}) ASSERT_TRUE(notifier->publish(big(root, 1, 1500)));
    auto comments = [&] { return api.state()["comments"]; };
    ASSERT_TRUE(poll(
        loop,
        [&] {
            auto c = comments();
            std::size_t roots = 0;
            for (const auto& comment : c)
                for (const char* root : {"node_a[1499]", "node_b[1499]", "node_c[1499]"})
                    roots += comment["body"].get<std::string>().find(root) != std::string::npos;
            return c.size() >= 2 && roots == 3;
        }))
        << comments().size() << " comments";
    for (const auto& c : comments()) EXPECT_LE(c["body"].get<std::string>().size(), 65536u);
    EXPECT_TRUE(api.state()["github_rejections"].empty()) << api.state()["github_rejections"];
    for (const char* root : {"a", "b", "c"}) ASSERT_TRUE(notifier->publish(big(root, 2, 3)));
    ASSERT_TRUE(poll(loop, [&] { return comments().size() == 1; }))
        << comments().size() << " comments";
    EXPECT_EQ(comments()[0]["body"].get<std::string>().find("(part "), std::string::npos);
}

// The reminder, as the timer sends it at the configured hour: one message listing the roots
// whose queue is locked with merge deploys waiting, from what Redis holds, so it is right
// after a restart too; and once per day.
TEST_F(NotifierChannels, TheLockedQueueReminderListsWaitingMergeDeploysEvenAfterARestart) {
    start();
    auto waiting = deployment("dep-locked", "network");
    waiting.trigger = "merge";
    auto moved_on = deployment("dep-unlocked", "dns");
    moved_on.trigger = "merge";
    ASSERT_TRUE(notifier->publish(at(waiting, 1, "locked")));
    ASSERT_TRUE(notifier->publish(at(moved_on, 1, "locked")));
    ASSERT_TRUE(notifier->publish(at(moved_on, 2, "planning")));  // someone unlocked dns
    ASSERT_TRUE(poll(loop, [&] {
        auto run = api.check_run("dep-unlocked");
        return run.is_object() && run.value("status", "") == "in_progress" &&
               api.state()["slack"].size() == 2;  // needs_unlock for both
    }));
    notifier->stop();  // a restart: the reminder comes from a new instance

    RedisClient redis(loop, RedisOptions{testing::shared_redis_url()});
    redis.connect();
    ASSERT_TRUE(run_until(loop, [&] { return redis.healthy(); }));
    Metrics metrics;
    notifier::NotifierStore store(redis, prefix, 60s);
    notifier::SlackSettings settings;
    settings.bot_token = "xoxb-integration";
    settings.api_url = api.url() + "/api";
    settings.routes = {{"reminder", {notifier::SlackTarget{false, "#deploys"}}}};
    notifier::SlackChannel slack(loop, store, settings);
    notifier::DeliveryQueue queue(loop, slack, notifier::RetryPolicy{}, metrics);
    slack.start_reminders(queue);
    bool reminded = false;
    slack.remind([&] { reminded = true; });
    ASSERT_TRUE(poll(loop, [&] { return reminded && api.state()["slack"].size() == 3; }))
        << api.state()["slack"].dump(2);
    auto text = api.state()["slack"][2]["blocks"][1]["text"]["text"].get<std::string>();
    EXPECT_NE(text.find("`network`"), std::string::npos) << text;
    EXPECT_EQ(text.find("`dns`"), std::string::npos) << "dns was unlocked: " << text;
    reminded = false;
    slack.remind([&] { reminded = true; });  // the timer firing again the same day
    ASSERT_TRUE(run_until(loop, [&] { return reminded; }));
    ASSERT_TRUE(run_until(loop, [&] { return queue.in_hand() == 0; }));
    EXPECT_EQ(api.state()["slack"].size(), 3u) << "the day's reminder went out twice";
    redis.close();
}

}  // namespace
}  // namespace strata::notifier_testing
