// A channel's deliveries in hand (DeliveryQueue) with a scripted channel on a real loop: order
// per key, keys side by side, coalescing, retries with backoff and server hints, bounded
// attempts then dead letters, channel-wide pauses, and handing work back at shutdown.
#include <gtest/gtest.h>

#include <deque>

#include "delivery_queue.hpp"
#include "support/test_servers.hpp"

namespace strata::notifier {
namespace {

using namespace std::chrono_literals;
using strata::testing::run_until;

class RecordingControl : public DeliveryControl {
public:
    explicit RecordingControl(std::vector<std::string>& log, std::string id)
        : log_(log), id_(std::move(id)) {}
    void ack() override { log_.push_back(id_ + " ack"); }
    void requeue() override { log_.push_back(id_ + " requeue"); }
    void dead_letter(std::string reason) override { log_.push_back(id_ + " dead: " + reason); }

private:
    std::vector<std::string>& log_;
    std::string id_;
};

// Bodies are "<key>:<text>"; "ignore" is acked, "garbage" is undecodable. Each attempt takes
// the next scripted outcome (Delivered when the script is empty), or is left hanging when the
// script says "hang".
class ScriptedChannel : public Channel {
public:
    std::string name() const override { return "test"; }
    bool coalesces() const override { return coalescing; }
    std::size_t max_in_flight() const override { return in_flight; }
    Admission admit(const Delivery& d) override {
        if (d.body == "ignore") return Admission::ignore();
        auto colon = d.body.find(':');
        if (colon == std::string::npos) return Admission::reject("no key in '" + d.body + "'");
        return Admission::work(d.body.substr(0, colon), d.body.substr(colon + 1));
    }
    void attempt(const std::string& key, const std::vector<const Pending*>& batch, int attempt,
                 std::function<void(Outcome)> done) override {
        std::string seen = key + "#" + std::to_string(attempt) + ":";
        for (const auto* p : batch) seen += " " + std::any_cast<const std::string&>(p->item);
        attempts.push_back(seen);
        attempt_times.push_back(std::chrono::steady_clock::now());
        if (script.empty()) return done(Outcome::delivered());
        auto next = script.front();
        script.pop_front();
        if (next.reason == "hang") {
            hanging = std::move(done);
            return;
        }
        done(next);
    }

    bool coalescing = false;
    std::size_t in_flight = 1;
    std::deque<Outcome> script;
    std::vector<std::string> attempts;
    std::vector<std::chrono::steady_clock::time_point> attempt_times;
    std::function<void(Outcome)> hanging;
};

class DeliveryQueueTest : public ::testing::Test {
protected:
    void push(const std::string& body) {
        Delivery d;
        d.body = body;
        d.message_id = body;
        queue.push(d, std::make_shared<RecordingControl>(settled, body));
    }

    Loop loop;
    Metrics metrics;
    ScriptedChannel channel;
    RetryPolicy policy{3, 20ms, 100ms, 2s};
    DeliveryQueue queue{loop, channel, policy, metrics};
    std::vector<std::string> settled;
};

TEST_F(DeliveryQueueTest, MessagesOfAKeyAreAttemptedOneAtATimeInArrivalOrder) {
    channel.script = {Outcome{Outcome::Kind::Retry, "hang"}};
    push("a:1");
    push("a:2");
    push("a:3");
    EXPECT_EQ(channel.attempts, (std::vector<std::string>{"a#1: 1"})) << "a second attempt started";
    channel.hanging(Outcome::delivered());
    ASSERT_TRUE(run_until(loop, [&] { return settled.size() == 3; }));
    EXPECT_EQ(channel.attempts, (std::vector<std::string>{"a#1: 1", "a#1: 2", "a#1: 3"}));
    EXPECT_EQ(settled, (std::vector<std::string>{"a:1 ack", "a:2 ack", "a:3 ack"}));
    EXPECT_EQ(queue.in_hand(), 0u);
}

TEST_F(DeliveryQueueTest, AKeyWaitingForItsRetryDoesNotHoldUpTheOthers) {
    channel.script = {Outcome::retry("GitHub answered 502", 10s)};
    push("slow:1");
    push("fast:1");
    EXPECT_EQ(settled, (std::vector<std::string>{"fast:1 ack"}));
    EXPECT_EQ(queue.in_hand(), 1u);
}

TEST_F(DeliveryQueueTest, AttemptsBeyondTheLimitWaitTheirTurnInOrder) {
    channel.in_flight = 2;
    const Outcome hang{Outcome::Kind::Retry, "hang"};
    channel.script = {hang, hang, hang};
    push("a:1");
    auto finish_a = std::move(channel.hanging);
    push("b:1");
    auto finish_b = std::move(channel.hanging);
    push("c:1");
    push("d:1");
    EXPECT_EQ(channel.attempts, (std::vector<std::string>{"a#1: 1", "b#1: 1"}))
        << "more than 2 at once";
    finish_b(Outcome::delivered());
    EXPECT_EQ(channel.attempts.back(), "c#1: 1") << "c waited longest";
    auto finish_c = std::move(channel.hanging);
    finish_a(Outcome::delivered());
    EXPECT_EQ(channel.attempts.back(), "d#1: 1");
    finish_c(Outcome::delivered());
    EXPECT_EQ(settled, (std::vector<std::string>{"b:1 ack", "a:1 ack", "d:1 ack", "c:1 ack"}));
}

TEST_F(DeliveryQueueTest, ACoalescingChannelGetsEveryWaitingMessageAndSettlesThemTogether) {
    channel.coalescing = true;
    channel.script = {Outcome{Outcome::Kind::Retry, "hang"}};
    push("a:1");
    push("a:2");
    push("a:3");
    channel.hanging(Outcome::retry("GitHub answered 502"));
    ASSERT_TRUE(run_until(loop, [&] { return settled.size() == 3; }));
    EXPECT_EQ(channel.attempts, (std::vector<std::string>{"a#1: 1", "a#2: 1 2 3"}));
    EXPECT_EQ(settled, (std::vector<std::string>{"a:1 ack", "a:2 ack", "a:3 ack"}));
}

TEST_F(DeliveryQueueTest, AfterTheLastAttemptTheMessageIsDeadLetteredWithTheReason) {
    channel.script = {Outcome::retry("GitHub answered 502"), Outcome::retry("GitHub answered 503"),
                      Outcome::retry("GitHub answered 500")};
    push("a:1");
    push("a:2");
    ASSERT_TRUE(run_until(loop, [&] { return settled.size() == 2; }));
    EXPECT_EQ(settled[0], "a:1 dead: test: gave up after 3 attempts; last: GitHub answered 500");
    EXPECT_EQ(settled[1], "a:2 ack") << "the next message starts afresh";
    EXPECT_EQ(
        metrics.counter("strata_notifier_dead_lettered_total", "", {{"channel", "test"}}).value(),
        1);
    EXPECT_EQ(metrics.counter("strata_notifier_retries_total", "", {{"channel", "test"}}).value(),
              2);
}

TEST_F(DeliveryQueueTest, APermanentFailureIsDeadLetteredWithoutRetrying) {
    channel.script = {Outcome::permanent("GitHub answered 422: Validation Failed")};
    push("a:1");
    EXPECT_EQ(settled,
              (std::vector<std::string>{"a:1 dead: test: GitHub answered 422: Validation Failed"}));
    EXPECT_EQ(channel.attempts.size(), 1u);
}

TEST_F(DeliveryQueueTest, AttemptsThatDoNotCountNeverExhaustTheBound) {
    for (int i = 0; i < 5; ++i) {
        auto busy = Outcome::retry("another instance holds it", 1ms);
        busy.counts = false;
        channel.script.push_back(busy);
    }
    push("a:1");
    ASSERT_TRUE(run_until(loop, [&] { return settled.size() == 1; }));
    EXPECT_EQ(settled[0], "a:1 ack");
    EXPECT_EQ(channel.attempts.size(), 6u);
}

TEST_F(DeliveryQueueTest, TheServersRetryAfterIsWaitedForAndARateLimitHoldsEveryKey) {
    auto limited = Outcome::retry("GitHub answered 429", 300ms);
    limited.pause_channel = 300ms;
    channel.script = {limited};
    push("a:1");
    auto limited_at = channel.attempt_times.at(0);
    push("b:1");  // arrives during the pause
    EXPECT_EQ(channel.attempts.size(), 1u) << "b went out while the channel was rate limited";
    ASSERT_TRUE(run_until(loop, [&] { return settled.size() == 2; }));
    for (std::size_t i = 1; i < channel.attempt_times.size(); ++i)
        EXPECT_GE(channel.attempt_times[i] - limited_at, 295ms) << channel.attempts[i];
}

TEST_F(DeliveryQueueTest, UndecodableMessagesAreDeadLetteredAndOthersAckedUnseen) {
    push("ignore");
    push("garbage");
    EXPECT_EQ(settled,
              (std::vector<std::string>{"ignore ack", "garbage dead: no key in 'garbage'"}));
    EXPECT_TRUE(channel.attempts.empty());
}

TEST_F(DeliveryQueueTest, DrainHandsBackWaitingWorkAndLetsTheAttemptUnderWayFinish) {
    channel.in_flight = 2;
    channel.script = {Outcome{Outcome::Kind::Retry, "hang"}, Outcome::retry("GitHub answered 502")};
    push("a:1");
    push("a:2");
    push("b:1");  // fails, waits for its retry
    bool drained = false;
    queue.drain([&] { drained = true; });
    EXPECT_FALSE(drained) << "a:1 is still being attempted";
    EXPECT_EQ(settled, (std::vector<std::string>{"b:1 requeue"}));
    channel.hanging(Outcome::delivered());
    EXPECT_TRUE(drained);
    EXPECT_EQ(settled, (std::vector<std::string>{"b:1 requeue", "a:1 ack", "a:2 requeue"}));
    push("c:1");
    EXPECT_EQ(settled.back(), "c:1 requeue") << "taken while draining";
}

}  // namespace
}  // namespace strata::notifier
