// AmqpClient against a real RabbitMQ: the shared test broker for most tests, a private one where a
// test stops or restarts the broker. Every test declares its own exchange and queues, so tests can
// share a broker in parallel. Dead-letter queues are read with amqp-get (Debian's amqp-tools),
// which the client under test has no call for.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RabbitServer;
using testing::run_until;
using testing::shared_amqp_url;
using testing::unique_name;

// Runs a shell command; returns its exit code and stdout, trailing newlines trimmed.
std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, ""};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    int status = ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The URL for amqp-tools: their parser takes the "/" ending amqp://host:port/ for an empty vhost
// name (the client under test reads it as the default vhost "/"), so the URL goes without it.
std::string tool_url(std::string url) {
    if (url.ends_with('/')) url.pop_back();
    return url;
}

// Takes one message off a queue (basic.get with ack): its body, or nothing when the queue is
// empty or missing.
std::optional<std::string> get_message(const std::string& url, const std::string& queue) {
    auto [rc, out] = shell("amqp-get --url '" + tool_url(url) + "' -q '" + queue + "' 2>/dev/null");
    if (rc != 0) return std::nullopt;
    return out;
}

bool delete_queue(const std::string& url, const std::string& queue) {
    return shell("amqp-delete-queue --url '" + tool_url(url) + "' -q '" + queue +
                 "' >/dev/null 2>&1")
               .first == 0;
}

// Runs the loop until an expensive probe (a subprocess, say) succeeds, running it at most every
// `interval` so the loop keeps turning in between.
bool poll_until(Loop& loop, const std::function<bool()>& probe, std::chrono::milliseconds deadline,
                std::chrono::milliseconds interval = 200ms) {
    auto next = Clock::now();
    bool done = false;
    return run_until(
        loop,
        [&] {
            if (done) return true;
            if (Clock::now() < next) return false;
            done = probe();
            next = Clock::now() + interval;
            return done;
        },
        deadline);
}

OutgoingMessage message(std::string routing_key, std::string body) {
    OutgoingMessage m;
    m.routing_key = std::move(routing_key);
    m.body = std::move(body);
    m.message_id = unique_name("msg");
    m.correlation_id = unique_name("corr");
    return m;
}

// What a consumer received, with the controls still to settle (or already acked: auto_ack).
struct Inbox {
    bool auto_ack = false;
    std::vector<Delivery> deliveries;
    std::vector<std::shared_ptr<DeliveryControl>> controls;
    std::vector<Clock::time_point> times;

    std::size_t count_of(const std::string& message_id) const {
        std::size_t n = 0;
        for (const auto& d : deliveries) n += d.message_id == message_id ? 1 : 0;
        return n;
    }
};

DeliveryHandler collect_into(std::shared_ptr<Inbox> inbox) {
    return [inbox](const Delivery& d, std::shared_ptr<DeliveryControl> control) {
        inbox->deliveries.push_back(d);
        inbox->times.push_back(Clock::now());
        if (inbox->auto_ack) control->ack();
        inbox->controls.push_back(std::move(control));
    };
}

class AmqpClientTest : public ::testing::Test {
protected:
    void TearDown() override {
        // Queues on a broker that outlives the test; the clients are gone by now.
        for (const auto& [url, queue] : created) {
            delete_queue(url, queue);
        }
    }

    AmqpOptions options(const std::string& url) {
        AmqpOptions o;
        o.url = url;
        o.exchange = exchange;
        o.connection_name = unique_name("amqp-client-test");
        o.heartbeat_seconds = 10;
        o.publish_timeout = 5s;
        o.max_backoff = 200ms;
        o.requeue_delay = 50ms;
        return o;
    }

    // A unique queue name; the queue and its DLQ are deleted after the test.
    std::string queue_name(const std::string& url, const std::string& prefix = "amqp-test-q") {
        auto name = unique_name(prefix);
        created.emplace_back(url, name);
        created.emplace_back(url, name + ".dlq");
        return name;
    }

    static QueueSpec spec(std::string name, std::vector<std::string> bindings) {
        QueueSpec s;
        s.name = std::move(name);
        s.bindings = std::move(bindings);
        return s;
    }

    // Starts the client and waits until it is connected with its topology declared.
    void start(AmqpClient& client, std::chrono::milliseconds deadline = 20s) {
        client.start();
        ASSERT_TRUE(run_until(
            loop, [&] { return client.healthy(); }, deadline))
            << "client did not become healthy";
    }

    // Publishes and runs the loop until the callback ran.
    Result<void> publish(AmqpClient& client, OutgoingMessage m,
                         std::chrono::milliseconds deadline = 10s) {
        auto out = std::make_shared<std::optional<Result<void>>>();
        client.publish(std::move(m), [out](Result<void> r) { out->emplace(std::move(r)); });
        if (!run_until(
                loop, [&] { return out->has_value(); }, deadline)) {
            return make_error("test: no publish callback within the deadline");
        }
        return std::move(**out);
    }

    bool wait_for(const std::shared_ptr<Inbox>& inbox, std::size_t count,
                  std::chrono::milliseconds deadline = 10s) {
        return run_until(
            loop, [&] { return inbox->deliveries.size() >= count; }, deadline);
    }

    Loop loop;  // first member: outlives every client and callback
    std::string exchange = unique_name("amqp-test-x");
    std::vector<std::pair<std::string, std::string>> created;
};

TEST_F(AmqpClientTest, PublishedMessageIsConfirmedAndConsumedWithItsPropertiesIntact) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"orders.*"}), collect_into(inbox));
    EXPECT_TRUE(client.has_queue(queue));
    EXPECT_FALSE(client.has_queue(queue + ".dlq"));
    ASSERT_NO_FATAL_FAILURE(start(client));

    auto m = message("orders.created", R"({"version":1,"id":"abc"})");
    m.headers = {{"x-trace", "t-1"}, {"schema", "order.v1"}};
    auto published = publish(client, m);
    ASSERT_TRUE(published.ok()) << published.error().message;

    ASSERT_TRUE(wait_for(inbox, 1));
    const Delivery& d = inbox->deliveries[0];
    EXPECT_EQ(d.queue, queue);
    EXPECT_EQ(d.routing_key, "orders.created");
    EXPECT_EQ(d.body, m.body);
    EXPECT_EQ(d.message_id, m.message_id);
    EXPECT_EQ(d.correlation_id, m.correlation_id);
    EXPECT_FALSE(d.redelivered);
    EXPECT_EQ(d.headers.count("x-trace"), 1u);
    EXPECT_EQ(d.headers.count("schema"), 1u);
    if (d.headers.count("x-trace")) {
        EXPECT_EQ(d.headers.at("x-trace"), "t-1");
    }
    if (d.headers.count("schema")) {
        EXPECT_EQ(d.headers.at("schema"), "order.v1");
    }
    inbox->controls[0]->ack();
}

TEST_F(AmqpClientTest, AMessageReachesEveryQueueWhoseBindingMatchesAndNoOther) {
    auto url = shared_amqp_url();
    auto all = queue_name(url), created_only = queue_name(url), other = queue_name(url);
    auto all_inbox = std::make_shared<Inbox>(), created_inbox = std::make_shared<Inbox>(),
         other_inbox = std::make_shared<Inbox>();
    all_inbox->auto_ack = created_inbox->auto_ack = other_inbox->auto_ack = true;
    AmqpClient client(loop, options(url));
    client.declare(spec(all, {"orders.#"}), collect_into(all_inbox));
    client.declare(spec(created_only, {"orders.created", "invoices.*"}),
                   collect_into(created_inbox));
    client.declare(spec(other, {"shipments.*"}), collect_into(other_inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));

    ASSERT_TRUE(publish(client, message("orders.created", "1")).ok());
    ASSERT_TRUE(publish(client, message("orders.eu.cancelled", "2")).ok());
    ASSERT_TRUE(publish(client, message("invoices.paid", "3")).ok());
    ASSERT_TRUE(wait_for(all_inbox, 2));
    ASSERT_TRUE(wait_for(created_inbox, 2));
    // The last one was confirmed after the others were routed; give stray deliveries a moment to
    // arrive by waiting for one more message that only `other` receives.
    ASSERT_TRUE(publish(client, message("shipments.sent", "4")).ok());
    ASSERT_TRUE(wait_for(other_inbox, 1));
    EXPECT_EQ(all_inbox->deliveries.size(), 2u);
    EXPECT_EQ(created_inbox->deliveries[0].body, "1");
    EXPECT_EQ(created_inbox->deliveries[1].body, "3");
    EXPECT_EQ(other_inbox->deliveries.size(), 1u);
    EXPECT_EQ(other_inbox->deliveries[0].queue, other);
}

TEST_F(AmqpClientTest, AckedMessageIsNotDeliveredAgainToTheNextConsumer) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto first = message("work.item", "first");
    {
        auto inbox = std::make_shared<Inbox>();
        AmqpClient client(loop, options(url));
        client.declare(spec(queue, {"work.*"}), collect_into(inbox));
        ASSERT_NO_FATAL_FAILURE(start(client));
        ASSERT_TRUE(publish(client, first).ok());
        ASSERT_TRUE(wait_for(inbox, 1));
        inbox->controls[0]->ack();
        client.close(5s);
    }

    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient next(loop, options(url));
    next.declare(spec(queue, {"work.*"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(next));
    auto marker = message("work.item", "marker");
    ASSERT_TRUE(publish(next, marker).ok());
    ASSERT_TRUE(run_until(loop, [&] { return inbox->count_of(marker.message_id) == 1; }));
    EXPECT_EQ(inbox->count_of(first.message_id), 0u);
    EXPECT_EQ(inbox->deliveries.size(), 1u);
}

TEST_F(AmqpClientTest, UnackedMessageIsRedeliveredToTheNextConsumer) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto first = message("work.item", "first");
    std::shared_ptr<DeliveryControl> unsettled;
    {
        auto inbox = std::make_shared<Inbox>();
        AmqpClient client(loop, options(url));
        client.declare(spec(queue, {"work.*"}), collect_into(inbox));
        ASSERT_NO_FATAL_FAILURE(start(client));
        ASSERT_TRUE(publish(client, first).ok());
        ASSERT_TRUE(wait_for(inbox, 1));
        unsettled = inbox->controls[0];  // held past the client's end
        inbox->controls.clear();
    }

    auto inbox = std::make_shared<Inbox>();
    AmqpClient next(loop, options(url));
    next.declare(spec(queue, {"work.*"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(next));
    ASSERT_TRUE(wait_for(inbox, 1));
    EXPECT_EQ(inbox->deliveries[0].message_id, first.message_id);
    EXPECT_TRUE(inbox->deliveries[0].redelivered);
    unsettled->ack();  // its client is gone: does nothing
    inbox->controls[0]->ack();
}

TEST_F(AmqpClientTest, RequeuedMessageIsRedeliveredAfterTheRequeueDelay) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    auto opts = options(url);
    opts.requeue_delay = 300ms;
    AmqpClient client(loop, opts);
    client.declare(spec(queue, {"retry.me"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));

    auto m = message("retry.me", "try again");
    m.headers = {{"attempt-note", "kept"}};
    ASSERT_TRUE(publish(client, m).ok());
    ASSERT_TRUE(wait_for(inbox, 1));
    EXPECT_FALSE(inbox->deliveries[0].redelivered);
    auto requeued_at = Clock::now();
    inbox->controls[0]->requeue();

    ASSERT_TRUE(wait_for(inbox, 2));
    const Delivery& again = inbox->deliveries[1];
    EXPECT_TRUE(again.redelivered);
    EXPECT_EQ(again.message_id, m.message_id);
    EXPECT_EQ(again.correlation_id, m.correlation_id);
    EXPECT_EQ(again.body, m.body);
    EXPECT_EQ(again.headers.count("attempt-note"), 1u);
    EXPECT_GE(inbox->times[1] - requeued_at, opts.requeue_delay);
    inbox->controls[1]->ack();
}

TEST_F(AmqpClientTest, DeliveryDroppedWithoutBeingSettledIsRequeued) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"drop.me"}),
                   [inbox](const Delivery& d, std::shared_ptr<DeliveryControl> control) {
                       inbox->deliveries.push_back(d);
                       if (inbox->deliveries.size() > 1) control->ack();
                       // the first one's control dies here, unsettled
                   });
    ASSERT_NO_FATAL_FAILURE(start(client));
    auto m = message("drop.me", "x");
    ASSERT_TRUE(publish(client, m).ok());
    ASSERT_TRUE(wait_for(inbox, 2));
    EXPECT_EQ(inbox->deliveries[1].message_id, m.message_id);
    EXPECT_TRUE(inbox->deliveries[1].redelivered);
}

TEST_F(AmqpClientTest, DeadLetteredMessageLandsInTheQueuesDlqWithTheReason) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    // A tap on the dead-letter exchange sees the dead letter with its headers, which amqp-get
    // does not print; amqp-get then shows it sits in <queue>.dlq.
    auto tap_inbox = std::make_shared<Inbox>();
    tap_inbox->auto_ack = true;
    auto tap_options = options(url);
    tap_options.exchange = exchange + ".dlx";
    AmqpClient tap(loop, tap_options);
    tap.declare(spec(queue_name(url, "amqp-test-tap"), {queue}), collect_into(tap_inbox));
    ASSERT_NO_FATAL_FAILURE(start(tap));

    auto original = message("bad.input", R"({"version":99})");
    original.headers = {{"x-trace", "t-9"}};
    {
        auto inbox = std::make_shared<Inbox>();
        AmqpClient client(loop, options(url));
        client.declare(spec(queue, {"bad.*"}), collect_into(inbox));
        ASSERT_NO_FATAL_FAILURE(start(client));
        ASSERT_TRUE(publish(client, original).ok());
        ASSERT_TRUE(wait_for(inbox, 1));
        inbox->controls[0]->dead_letter("decoding bad.input: unsupported version 99");

        ASSERT_TRUE(wait_for(tap_inbox, 1));
        const Delivery& dead = tap_inbox->deliveries[0];
        EXPECT_EQ(dead.routing_key, queue);
        EXPECT_EQ(dead.body, original.body);
        EXPECT_EQ(dead.message_id, original.message_id);
        EXPECT_EQ(dead.correlation_id, original.correlation_id);
        std::map<std::string, std::string> expected{
            {"x-trace", "t-9"},
            {"x-strata-reason", "decoding bad.input: unsupported version 99"},
            {"x-strata-routing-key", "bad.input"}};
        for (const auto& [k, v] : expected) {
            ASSERT_EQ(dead.headers.count(k), 1u) << k;
            EXPECT_EQ(dead.headers.at(k), v) << k;
        }
        client.close(5s);
    }

    std::optional<std::string> body;
    ASSERT_TRUE(poll_until(
        loop, [&] { return (body = get_message(url, queue + ".dlq")).has_value(); }, 10s));
    EXPECT_EQ(*body, original.body);

    // The original was acked: the next consumer of the queue does not get it again.
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient next(loop, options(url));
    next.declare(spec(queue, {"bad.*"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(next));
    auto marker = message("bad.marker", "marker");
    ASSERT_TRUE(publish(next, marker).ok());
    ASSERT_TRUE(run_until(loop, [&] { return inbox->count_of(marker.message_id) == 1; }));
    EXPECT_EQ(inbox->count_of(original.message_id), 0u);
}

TEST_F(AmqpClientTest, MessageRequeuedPastTheDeliveryLimitIsDeadLetteredByTheBroker) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto opts = options(url);
    opts.requeue_delay = 0ms;
    AmqpClient client(loop, opts);
    auto inbox = std::make_shared<Inbox>();
    auto s = spec(queue, {"poison"});
    s.delivery_limit = 2;
    client.declare(s, [inbox](const Delivery& d, std::shared_ptr<DeliveryControl> control) {
        inbox->deliveries.push_back(d);
        control->requeue();
    });
    ASSERT_NO_FATAL_FAILURE(start(client));
    auto m = message("poison", "never works");
    ASSERT_TRUE(publish(client, m).ok());

    std::optional<std::string> body;
    ASSERT_TRUE(poll_until(
        loop, [&] { return (body = get_message(url, queue + ".dlq")).has_value(); }, 20s));
    EXPECT_EQ(*body, m.body);
    EXPECT_GE(inbox->deliveries.size(), 2u);
    EXPECT_LE(inbox->deliveries.size(), 4u);
}

TEST_F(AmqpClientTest, QueueDeclaredWithoutConsumingKeepsItsMessages) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    AmqpClient client(loop, options(url));
    auto s = spec(queue, {"parked.*"});
    s.consume = false;
    client.declare(s);
    ASSERT_NO_FATAL_FAILURE(start(client));
    ASSERT_TRUE(publish(client, message("parked.one", "waiting")).ok());
    EXPECT_EQ(get_message(url, queue), std::optional<std::string>("waiting"));
    EXPECT_EQ(get_message(url, queue), std::nullopt);
}

TEST_F(AmqpClientTest, PublishWithARoutingKeyNoQueueIsBoundToFailsAsUnroutable) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"bound.key"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));

    auto lost = publish(client, message("nobody.listens", "x"));
    ASSERT_FALSE(lost.ok());
    EXPECT_NE(lost.error().message.find("unroutable"), std::string::npos) << lost.error().message;

    // The connection is fine afterwards, and a routable message sharing the message id of an
    // unroutable one in flight with it is not mistaken for it.
    EXPECT_TRUE(client.healthy());
    auto routable = message("bound.key", "y");
    auto unroutable = message("nobody.listens", "z");
    unroutable.message_id = routable.message_id;
    std::optional<Result<void>> first, second;
    client.publish(routable, [&](Result<void> r) { first.emplace(std::move(r)); });
    client.publish(unroutable, [&](Result<void> r) { second.emplace(std::move(r)); });
    ASSERT_TRUE(run_until(loop, [&] { return first.has_value() && second.has_value(); }));
    EXPECT_TRUE(first->ok()) << first->error().message;
    EXPECT_FALSE(second->ok());
    ASSERT_TRUE(wait_for(inbox, 1));
    EXPECT_EQ(inbox->deliveries[0].body, "y");
}

TEST_F(AmqpClientTest, ManyPublishesInFlightAreAllConfirmedAndNoneIsLost) {
    constexpr int kMessages = 2000;
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient client(loop, options(url));
    auto s = spec(queue, {"bulk.#"});
    s.prefetch = 200;
    client.declare(s, collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));

    int confirmed = 0, failed = 0;
    std::string first_error;
    std::set<std::string> sent;
    for (int i = 0; i < kMessages; ++i) {
        auto m = message("bulk.item", "payload " + std::to_string(i));
        m.message_id = "bulk-" + std::to_string(i);
        sent.insert(m.message_id);
        client.publish(std::move(m), [&](Result<void> r) {
            if (r.ok()) {
                ++confirmed;
            } else {
                if (failed++ == 0) first_error = r.error().message;
            }
        });
    }
    ASSERT_TRUE(run_until(
        loop, [&] { return confirmed + failed == kMessages; }, 60s))
        << confirmed << " confirmed, " << failed << " failed";
    EXPECT_EQ(confirmed, kMessages) << first_error;

    ASSERT_TRUE(run_until(
        loop, [&] { return inbox->deliveries.size() >= static_cast<std::size_t>(kMessages); }, 60s))
        << inbox->deliveries.size() << " consumed";
    std::set<std::string> received;
    for (const auto& d : inbox->deliveries) received.insert(d.message_id);
    EXPECT_EQ(received, sent);
    EXPECT_EQ(inbox->deliveries.size(), static_cast<std::size_t>(kMessages));
}

TEST_F(AmqpClientTest, IdleConnectionWithShortHeartbeatsStaysUp) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    auto opts = options(url);
    opts.heartbeat_seconds = 1;
    AmqpClient client(loop, opts);
    client.declare(spec(queue, {"hb"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));
    auto held = message("hb", "held across the idle time");
    ASSERT_TRUE(publish(client, held).ok());
    ASSERT_TRUE(wait_for(inbox, 1));

    // Idle for four heartbeat intervals, watching health; nothing else happens on the client.
    bool idle_over = false, ever_unhealthy = false;
    Timer idle(loop), watch(loop);
    idle.start(4s, [&] { idle_over = true; });
    watch.start_repeating(10ms, [&] { ever_unhealthy = ever_unhealthy || !client.healthy(); });
    ASSERT_TRUE(run_until(
        loop, [&] { return idle_over; }, 10s));
    watch.stop();
    EXPECT_FALSE(ever_unhealthy);

    // Had the connection dropped, the held delivery would have gone back to the queue and come
    // again; it did not, and acking it on the same connection works.
    inbox->controls[0]->ack();
    auto after = message("hb", "after");
    ASSERT_TRUE(publish(client, after).ok());
    ASSERT_TRUE(wait_for(inbox, 2));
    EXPECT_EQ(inbox->deliveries[1].message_id, after.message_id);
    EXPECT_EQ(inbox->count_of(held.message_id), 1u);
    inbox->controls[1]->ack();
}

TEST_F(AmqpClientTest, CloseWithNothingOutstandingReturnsPromptly) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"x"}), collect_into(std::make_shared<Inbox>()));
    ASSERT_NO_FATAL_FAILURE(start(client));
    auto begin = Clock::now();
    client.close(5s);
    EXPECT_LT(Clock::now() - begin, 1s);
    EXPECT_FALSE(client.healthy());
    client.close(5s);  // again: nothing happens
}

TEST_F(AmqpClientTest, CloseWaitsForAnOutstandingPublishToBeConfirmed) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    AmqpClient client(loop, options(url));
    auto s = spec(queue, {"last.words"});
    s.consume = false;
    client.declare(s);
    ASSERT_NO_FATAL_FAILURE(start(client));
    std::optional<Result<void>> out;
    client.publish(message("last.words", "goodbye"),
                   [&](Result<void> r) { out.emplace(std::move(r)); });
    client.close(5s);
    ASSERT_TRUE(run_until(
        loop, [&] { return out.has_value(); }, 2s));
    EXPECT_TRUE(out->ok()) << out->error().message;
    EXPECT_EQ(get_message(url, queue), std::optional<std::string>("goodbye"));
}

TEST_F(AmqpClientTest, EveryPublishCallbackRunsOnceWhenTheClientIsDestroyedWithPublishesPending) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    std::vector<int> calls(100, 0);
    {
        AmqpClient client(loop, options(url));
        auto s = spec(queue, {"pending"});
        s.consume = false;
        client.declare(s);
        ASSERT_NO_FATAL_FAILURE(start(client));
        for (std::size_t i = 0; i < calls.size(); ++i) {
            client.publish(message("pending", "x"), [&calls, i](Result<void>) { ++calls[i]; });
        }
    }
    ASSERT_TRUE(run_until(loop, [&] {
        for (int c : calls)
            if (c == 0) return false;
        return true;
    }));
    for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i], 1) << i;
}

TEST_F(AmqpClientTest, PublishAfterCloseFailsAtOnce) {
    auto url = shared_amqp_url();
    auto queue = queue_name(url);
    AmqpClient client(loop, options(url));
    auto s = spec(queue, {"late"});
    s.consume = false;
    client.declare(s);
    ASSERT_NO_FATAL_FAILURE(start(client));
    client.close(5s);
    auto out = publish(client, message("late", "too late"), 2s);
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.error().message.find("closed"), std::string::npos) << out.error().message;
}

TEST_F(AmqpClientTest, PublishFailsAtOnceWhenNoBrokerListens) {
    auto url = "amqp://guest:guest@127.0.0.1:" + std::to_string(testing::free_port()) + "/";
    AmqpClient client(loop, options(url));
    client.start();
    auto begin = Clock::now();
    auto out = publish(client, message("any", "x"), 3s);
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.error().message.find("not connected"), std::string::npos) << out.error().message;
    EXPECT_LT(Clock::now() - begin, 2s);
    EXPECT_FALSE(client.healthy());
}

// ---- a private broker that the tests stop and restart ---------------------------------------

TEST_F(AmqpClientTest, PublishWhileTheBrokerIsDownFailsQuicklyAndWorksOnceItIsBack) {
    auto server = RabbitServer::start();
    auto queue = queue_name(server.url());
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient client(loop, options(server.url()));
    client.declare(spec(queue, {"down.*"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));
    ASSERT_TRUE(publish(client, message("down.before", "1")).ok());

    server.stop();
    auto begin = Clock::now();
    auto out = publish(client, message("down.during", "2"), 5s);
    ASSERT_FALSE(out.ok());
    EXPECT_LT(Clock::now() - begin, 2s) << out.error().message;
    EXPECT_TRUE(run_until(
        loop, [&] { return !client.healthy(); }, 5s));
    // Still failing fast after the client has backed off a while.
    ASSERT_FALSE(publish(client, message("down.during", "3"), 2s).ok());

    server.restart();
    ASSERT_TRUE(run_until(
        loop, [&] { return client.healthy(); }, 20s));
    auto back = message("down.after", "4");
    ASSERT_TRUE(publish(client, back).ok());
    ASSERT_TRUE(run_until(loop, [&] { return inbox->count_of(back.message_id) == 1; }));
    EXPECT_EQ(inbox->deliveries.front().body, "1");
}

TEST_F(AmqpClientTest, StopConsumingWhileTheBrokerIsDownHoldsAfterItReconnects) {
    auto server = RabbitServer::start();
    auto url = server.url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"stopped"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));

    server.stop();
    ASSERT_TRUE(run_until(loop, [&] { return !client.healthy(); }));
    client.stop_consuming();  // as a daemon does on SIGTERM, during the outage
    server.restart();
    ASSERT_TRUE(run_until(
        loop, [&] { return client.healthy(); }, 20s));

    ASSERT_TRUE(publish(client, message("stopped", "not for this client")).ok());
    std::optional<std::string> body;
    ASSERT_TRUE(poll_until(
        loop, [&] { return (body = get_message(url, queue)).has_value(); }, 5s))
        << "the message was consumed: " << inbox->deliveries.size() << " deliveries";
    EXPECT_EQ(*body, "not for this client");
    EXPECT_TRUE(inbox->deliveries.empty());
}

TEST_F(AmqpClientTest, AfterABrokerRestartTheClientRedeclaresItsTopologyAndConsumingResumes) {
    auto server = RabbitServer::start();
    auto url = server.url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    inbox->auto_ack = true;
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"topo.*"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));
    ASSERT_TRUE(publish(client, message("topo.one", "1")).ok());
    ASSERT_TRUE(wait_for(inbox, 1));

    // Remove the queue and its DLQ behind the client's back; only a re-declare brings them back.
    ASSERT_TRUE(delete_queue(url, queue));
    ASSERT_TRUE(delete_queue(url, queue + ".dlq"));
    ASSERT_EQ(get_message(url, queue), std::nullopt);
    server.restart();
    ASSERT_TRUE(run_until(
        loop, [&] { return client.healthy(); }, 20s));

    auto after = message("topo.two", "2");
    auto published = publish(client, after);
    ASSERT_TRUE(published.ok()) << published.error().message;  // routable: queue bound again
    ASSERT_TRUE(run_until(loop, [&] { return inbox->count_of(after.message_id) == 1; }));
}

// rabbitmqctl against a RabbitServer, addressed the way tools/strata-servers starts the node.
bool rabbitmqctl(const RabbitServer& server, const std::string& args) {
    std::string as_owner = ::getuid() == 0 ? "runuser -u rabbitmq -- " : "";
    return shell(as_owner + "env HOME='" + server.dir() +
                 "' /usr/lib/rabbitmq/bin/rabbitmqctl -n strata_" + std::to_string(server.port()) +
                 "@localhost " + args + " >/dev/null 2>&1")
               .first == 0;
}

TEST_F(AmqpClientTest, PublishesToABrokerUnderAResourceAlarmTimeOutAndCloseStillReturns) {
    auto server = RabbitServer::start();
    auto url = server.url();
    auto queue = queue_name(url);
    auto opts = options(url);
    opts.publish_timeout = 1s;
    auto client = std::make_unique<AmqpClient>(loop, opts);
    auto s = spec(queue, {"alarm"});
    s.consume = false;
    client->declare(s);
    ASSERT_NO_FATAL_FAILURE(start(*client));
    ASSERT_TRUE(publish(*client, message("alarm", "before")).ok());

    // A memory alarm blocks publishing connections: the broker stops reading from them. Enough
    // data to fill the socket buffers must not wedge the client's thread.
    ASSERT_TRUE(rabbitmqctl(server, "set_vm_memory_high_watermark 0.0000001"));
    constexpr int kPublishes = 60;
    int failed = 0, confirmed = 0;
    auto begin = Clock::now();
    for (int i = 0; i < kPublishes; ++i) {
        client->publish(message("alarm", std::string(256 * 1024, 'x')),
                        [&](Result<void> r) { ++(r.ok() ? confirmed : failed); });
    }
    ASSERT_TRUE(run_until(
        loop, [&] { return failed + confirmed == kPublishes; }, 10s))
        << failed << " failed, " << confirmed << " confirmed";
    EXPECT_EQ(failed, kPublishes);
    EXPECT_LT(Clock::now() - begin, 5s);

    begin = Clock::now();
    client->close(1s);
    EXPECT_LT(Clock::now() - begin, 3s);
    client.reset();

    // Once the alarm clears, a new client publishes as usual.
    ASSERT_TRUE(rabbitmqctl(server, "set_vm_memory_high_watermark 0.4"));
    AmqpClient after(loop, opts);
    after.declare(s);
    ASSERT_NO_FATAL_FAILURE(start(after));
    auto out = publish(after, message("alarm", "after"));
    EXPECT_TRUE(out.ok()) << out.error().message;
}

TEST_F(AmqpClientTest, DeliveryUnackedAcrossABrokerRestartIsRedeliveredAndItsOldControlIsInert) {
    auto server = RabbitServer::start();
    auto url = server.url();
    auto queue = queue_name(url);
    auto inbox = std::make_shared<Inbox>();
    AmqpClient client(loop, options(url));
    client.declare(spec(queue, {"held"}), collect_into(inbox));
    ASSERT_NO_FATAL_FAILURE(start(client));
    auto m = message("held", "survives the restart");
    ASSERT_TRUE(publish(client, m).ok());
    ASSERT_TRUE(wait_for(inbox, 1));

    server.restart();
    ASSERT_TRUE(run_until(
        loop, [&] { return client.healthy(); }, 20s));
    ASSERT_TRUE(wait_for(inbox, 2, 20s));
    EXPECT_EQ(inbox->deliveries[1].message_id, m.message_id);
    EXPECT_TRUE(inbox->deliveries[1].redelivered);

    // The old control refers to the dead connection. Its delivery tag is the same number as the
    // new delivery's: were it sent, it would settle the new delivery (or upset the channel).
    inbox->controls[0]->ack();
    inbox->controls[1]->requeue();
    ASSERT_TRUE(wait_for(inbox, 3));
    EXPECT_EQ(inbox->deliveries[2].message_id, m.message_id);
    inbox->controls[2]->ack();

    auto next = message("held", "next");
    ASSERT_TRUE(publish(client, next).ok());
    ASSERT_TRUE(wait_for(inbox, 4));
    EXPECT_EQ(inbox->deliveries[3].message_id, next.message_id);
    inbox->controls[3]->ack();
}

}  // namespace
}  // namespace strata
