// The promise at the door: a 2xx answer means the broker confirmed the event. A burst of 2,000
// signed ~7 KB push webhooks is sent while a private RabbitMQ is stopped and started again:
//   phase A (0..999)      paced, the broker is stopped once 300 were answered;
//   phase B (1000..1499)  released once the broker is down;
//   phase C (1500..1999)  released once the broker is back and ingest reconnected.
// Afterwards everything downstream is consumed and counted by message id: every delivery
// answered 2xx was published exactly once, every other one got a non-2xx answer (and may have
// reached the broker at most once, unconfirmed: GitHub's redelivery then carries the same message
// id, which consumers drop).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ingest_harness.hpp"
#include "strata/messages.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDeliveries = 2'000;
constexpr int kPhaseB = 1'000;
constexpr int kPhaseC = 1'500;
constexpr int kStopAfterAnswers = 300;
constexpr int kWorkers = 16;
constexpr double kRequestsPerSecond = 400;
const std::string kSecret = "outage-secret";

// The burst's shared state: which requests may go, and what each got.
struct Burst {
    std::mutex mutex;
    std::condition_variable changed;
    int released = kPhaseB;                        // requests with a lower index may be sent
    Clock::time_point released_at = Clock::now();  // pacing of the phase released last
    int answered = 0;
    std::vector<int> status = std::vector<int>(kDeliveries, 0);
    std::atomic<int> next{0};

    void record(int index, int code) {
        std::lock_guard lock(mutex);
        status[index] = code;
        ++answered;
        changed.notify_all();
    }
    void release(int up_to) {
        std::lock_guard lock(mutex);
        released = up_to;
        released_at = Clock::now();
        changed.notify_all();
    }
    bool wait_answered(int count, std::chrono::seconds deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, deadline, [&] { return answered >= count; });
    }
};

std::string delivery_id(int index) { return "outage-" + std::to_string(index); }

// Sends requests in index order at kRequestsPerSecond overall, each phase paced from its release.
void run_worker(Burst& burst, int port, const std::string& body, const std::string& run) {
    std::unique_ptr<RawHttpConnection> conn;
    for (;;) {
        int i = burst.next.fetch_add(1);
        if (i >= kDeliveries) return;
        Clock::time_point phase_start;
        {
            std::unique_lock lock(burst.mutex);
            if (!burst.changed.wait_for(lock, 120s, [&] { return i < burst.released; })) {
                lock.unlock();
                burst.record(i, -1);  // never released: the test fails on it
                continue;
            }
            phase_start = burst.released_at;
        }
        int first = i < kPhaseB ? 0 : (i < kPhaseC ? kPhaseB : kPhaseC);
        auto due = phase_start + std::chrono::microseconds(static_cast<long long>(
                                     (i - first) * 1e6 / kRequestsPerSecond));
        std::this_thread::sleep_until(due);  // pacing, not waiting for an outcome
        if (!conn || !conn->connected()) conn = std::make_unique<RawHttpConnection>(port);
        WebhookRequest w{"push", run + delivery_id(i), body};
        RawResponse r;
        if (conn->send(webhook_bytes(w, kSecret))) r = conn->read_response(30s);
        if (r.status == 0 || r.closed) conn.reset();
        burst.record(i, r.status);
    }
}

TEST(IngestBrokerOutage, EveryDeliveryAnswered2xxIsPublishedExactlyOnceAndEveryOtherGotANon2xx) {
    auto rabbit = RabbitServer::start();
    auto exchange = unique_name("ingest-outage");
    auto run = unique_name("r") + "-";
    IngestHarnessOptions o;
    o.amqp_url = rabbit.url();
    o.redis_url = shared_redis_url();
    o.exchange = exchange;
    o.redis_prefix = unique_name("ingest-outage");
    o.config = {{"webhook_secret", kSecret}};
    auto ingest = std::make_unique<IngestHarness>(o);
    const std::string body = push_payload("acme/infra", 7 * 1024);
    ASSERT_GE(body.size(), 7u * 1024);

    Burst burst;
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w)
        workers.emplace_back(run_worker, std::ref(burst), ingest->port(), std::cref(body), run);

    ASSERT_TRUE(burst.wait_answered(kStopAfterAnswers, 60s));
    rabbit.stop();
    std::cout << "broker stopped after " << kStopAfterAnswers << "+ answers" << std::endl;
    burst.release(kPhaseC);
    ASSERT_TRUE(burst.wait_answered(kPhaseC, 120s));
    rabbit.restart();
    auto back = Clock::now() + 60s;
    while (!ingest->amqp_healthy() && Clock::now() < back) std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(ingest->amqp_healthy()) << "ingest did not reconnect to the restarted broker";
    std::cout << "broker back" << std::endl;
    burst.release(kDeliveries);
    ASSERT_TRUE(burst.wait_answered(kDeliveries, 120s));
    for (auto& t : workers) t.join();
    ingest.reset();

    std::string error;
    auto downstream = take_downstream(rabbit.url(), exchange, &error);
    ASSERT_TRUE(error.empty()) << error;
    std::map<std::string, int> copies;
    for (const auto& d : downstream) ++copies[d.message_id];

    int ok = 0, refused = 0, unanswered = 0, refused_but_published = 0;
    std::map<int, int> by_status;
    for (int i = 0; i < kDeliveries; ++i) {
        int code = burst.status[i];
        ++by_status[code];
        auto id = derived_uuid("github-delivery:" + run + delivery_id(i));  // as ingest derives it
        if (code >= 200 && code < 300) {
            ++ok;
            EXPECT_EQ(copies[id], 1) << "delivery " << i << " was answered " << code;
        } else if (code > 0) {
            ++refused;
            EXPECT_LE(copies[id], 1) << "delivery " << i;
            refused_but_published += copies[id];
        } else {
            ++unanswered;
        }
        copies.erase(id);
    }
    EXPECT_TRUE(copies.empty()) << copies.size() << " messages downstream match no delivery";
    std::cout << "answered 2xx: " << ok << " (each published exactly once); non-2xx: " << refused
              << " (of which " << refused_but_published
              << " reached the broker unconfirmed); no answer: " << unanswered << "\nby status:";
    for (const auto& [code, n] : by_status) std::cout << " " << code << "=" << n;
    std::cout << std::endl;
    EXPECT_EQ(unanswered, 0) << "every delivery must get an answer";
    EXPECT_EQ(ok + refused, kDeliveries);
    EXPECT_GT(ok, 0);
    EXPECT_GT(refused, 0) << "the outage did not refuse anything: the test did not test it";
    delete_downstream(rabbit.url(), exchange);
}

}  // namespace
}  // namespace strata::testing
