// A broker that confirms too late: ingest reaches RabbitMQ through a TCP proxy that the test can
// pause in the broker-to-ingest direction, so the publish reaches the broker but its confirm is
// held back. The request is answered 503 when answer_deadline passes (GitHub must see it failed);
// once the confirm arrives the delivery is recorded as published, so GitHub's redelivery is
// answered 202 "duplicate" and the event reaches downstream exactly once. And a drain (SIGTERM)
// while a request waits for its confirm: new requests get 503, the one in hand is answered once
// its confirm arrives, and only then is the service drained.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ingest_harness.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

// Forwards every connection made to port() to 127.0.0.1:target. While paused, bytes from the
// target are held (in order) instead of forwarded. One thread; stops when destroyed.
class PausableProxy {
public:
    explicit PausableProxy(int target) : target_(target) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
            ::listen(listener_, 8) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("proxy: cannot listen");
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~PausableProxy() {
        stop_ = true;
        thread_.join();
        for (auto& p : pairs_) ::close(p.client), ::close(p.server);
        ::close(listener_);
    }
    int port() const { return port_; }
    void pause() { paused_ = true; }
    void resume() { paused_ = false; }

private:
    struct Pair {
        int client, server;
        std::string held;  // from the server, not yet forwarded
        bool open = true;
    };

    static int connect_to(int port) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    static bool send_all(int fd, const char* data, std::size_t n) {
        while (n > 0) {
            auto w = ::send(fd, data, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            data += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    }

    void run() {
        char buf[65536];
        while (!stop_) {
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            for (auto& p : pairs_)
                if (p.open)
                    fds.push_back({p.client, POLLIN, 0}), fds.push_back({p.server, POLLIN, 0});
            ::poll(fds.data(), fds.size(), 10);
            if (fds[0].revents & POLLIN) {
                int client = ::accept(listener_, nullptr, nullptr);
                int server = client >= 0 ? connect_to(target_) : -1;
                if (server >= 0)
                    pairs_.push_back({client, server, "", true});
                else if (client >= 0)
                    ::close(client);
            }
            std::size_t i = 1;
            for (auto& p : pairs_) {
                if (!p.open) continue;
                bool from_client = fds[i].revents & (POLLIN | POLLHUP | POLLERR);
                bool from_server = fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR);
                i += 2;
                if (from_client) {
                    auto n = ::recv(p.client, buf, sizeof buf, 0);
                    if (n <= 0 || !send_all(p.server, buf, static_cast<std::size_t>(n)))
                        p.open = false;
                }
                if (p.open && from_server) {
                    auto n = ::recv(p.server, buf, sizeof buf, 0);
                    if (n <= 0)
                        p.open = false;
                    else
                        p.held.append(buf, static_cast<std::size_t>(n));
                }
                if (p.open && !paused_ && !p.held.empty()) {
                    if (!send_all(p.client, p.held.data(), p.held.size())) p.open = false;
                    p.held.clear();
                }
                if (!p.open) ::shutdown(p.client, SHUT_RDWR), ::shutdown(p.server, SHUT_RDWR);
            }
        }
    }

    int target_, listener_ = -1, port_ = 0;
    std::vector<Pair> pairs_;  // the proxy thread's only
    std::atomic<bool> paused_{false}, stop_{false};
    std::thread thread_;
};

int port_of(const std::string& amqp_url) {  // amqp://user:pass@host:PORT/...
    auto colon = amqp_url.rfind(':');
    return std::stoi(amqp_url.substr(colon + 1));
}

std::string status_of(const RawResponse& r) {
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    return doc.is_object() && doc.contains("status") ? doc["status"].get<std::string>() : "";
}

TEST(IngestSlowBroker, ConfirmAfterTheDeadlineIs503AndTheRedeliveryIsAnsweredWithoutAnotherCopy) {
    const std::string secret = "slow-broker-secret";
    PausableProxy proxy(port_of(shared_amqp_url()));
    auto exchange = unique_name("ingest-slow-broker");
    IngestHarnessOptions o;
    o.amqp_url = "amqp://guest:guest@127.0.0.1:" + std::to_string(proxy.port()) + "/";
    o.redis_url = shared_redis_url();
    o.exchange = exchange;
    o.redis_prefix = unique_name("ingest-slow-broker");
    o.config = {{"webhook_secret", secret}, {"answer_deadline", "1s"}};
    IngestHarness ingest(o);

    WebhookRequest w{"push", unique_name("delivery"), push_payload("acme/infra", 4096)};
    proxy.pause();  // the publish goes out; its confirm is held back
    auto first = post_webhook(ingest.port(), w, secret);
    EXPECT_EQ(first.status, 503) << first.body;
    EXPECT_EQ(ingest.webhooks("push", "timeout"), 1);
    proxy.resume();

    // GitHub's redelivery: 409 while the first copy is still pending, then 202 "duplicate".
    RawResponse again;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
        again = post_webhook(ingest.port(), w, secret);
        if (again.status != 409 || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(20ms);  // pacing of the redeliveries, as GitHub's would be
    }
    EXPECT_EQ(again.status, 202) << again.body;
    EXPECT_EQ(status_of(again), "duplicate") << again.body;

    std::string error;
    auto got = take_downstream(shared_amqp_url(), exchange, &error);
    EXPECT_TRUE(error.empty()) << error;
    EXPECT_EQ(got.size(), 1u) << "the late-confirmed event must reach downstream exactly once";
    delete_downstream(shared_amqp_url(), exchange);
}

TEST(IngestSlowBroker, DrainAnswersTheRequestInHandAndRefusesNewOnes) {
    const std::string secret = "slow-broker-secret";
    PausableProxy proxy(port_of(shared_amqp_url()));
    auto exchange = unique_name("ingest-drain");
    IngestHarnessOptions o;
    o.amqp_url = "amqp://guest:guest@127.0.0.1:" + std::to_string(proxy.port()) + "/";
    o.redis_url = shared_redis_url();
    o.exchange = exchange;
    o.redis_prefix = unique_name("ingest-drain");
    o.config = {{"webhook_secret", secret}};
    IngestHarness ingest(o);

    WebhookRequest held{"push", unique_name("delivery"), push_payload("acme/infra", 4096)};
    proxy.pause();
    RawResponse held_answer;
    std::thread sender([&] { held_answer = post_webhook(ingest.port(), held, secret); });
    // In hand: the dedupe record is written just before the publish.
    Loop loop;
    const auto record = o.redis_prefix + ":ingest:delivery:" + held.delivery;
    EXPECT_TRUE(run_until(
        loop, [&] { return ingest.redis_get(record) == "pending"; }, 10s));

    auto drained = ingest.drain();
    WebhookRequest late{"push", unique_name("delivery"), push_payload("acme/infra", 4096)};
    EXPECT_EQ(post_webhook(ingest.port(), late, secret).status, 503);
    EXPECT_FALSE(*drained) << "drained while a request was still waiting for its confirm";

    proxy.resume();
    sender.join();
    EXPECT_EQ(held_answer.status, 202) << held_answer.body;
    EXPECT_EQ(status_of(held_answer), "accepted") << held_answer.body;
    EXPECT_TRUE(run_until(
        loop, [&] { return drained->load(); }, 10s));

    std::string error;
    auto got = take_downstream(shared_amqp_url(), exchange, &error);
    EXPECT_TRUE(error.empty()) << error;
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].correlation_id, held.delivery);
    delete_downstream(shared_amqp_url(), exchange);
}

}  // namespace
}  // namespace strata::testing
