// One notification channel's deliveries in hand (GitHub check runs, pull-request comments,
// Slack, SNS), each channel fed by its own RabbitMQ queue, so a channel that is down or rate
// limited holds up only its own messages.
//
// Messages are grouped by a key the channel chooses (a deployment id, a pull request): a key's
// messages are attempted one attempt at a time, in arrival order; different keys proceed side by
// side (up to Channel::max_in_flight attempts at once; a key waiting for its retry holds no
// slot). A channel that coalesces (check runs: only the newest state matters) is handed every
// message of the key at once and renders the newest; the others get the oldest alone.
//
// Ack contract: a message is acked once its attempt delivered it (or a newer one that covers
// it), dead-lettered with the reason when the channel calls it permanent or after
// RetryPolicy::max_attempts failed attempts; retries wait with exponential backoff and jitter,
// at least as long as the server asked (Retry-After, rate-limit reset), without leaving the
// process. On drain (shutdown) messages not being attempted are handed back to the broker at
// once; an attempt under way finishes first. Everything runs on the loop thread.
#pragma once

#include <any>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "retry_policy.hpp"
#include "strata/amqp.hpp"
#include "strata/loop.hpp"
#include "strata/metrics.hpp"

namespace strata::notifier {

// One message in hand.
struct Pending {
    std::string message_id;
    std::string correlation_id;
    bool redelivered = false;
    std::any item;  // what Channel::admit decoded
    std::shared_ptr<DeliveryControl> control;
};

struct Admission {
    enum class Kind { Work, Ack, DeadLetter };
    Kind kind = Kind::Ack;
    std::string key;     // Work
    std::any item;       // Work
    std::string reason;  // DeadLetter (undecodable)

    static Admission work(std::string key, std::any item) {
        return {Kind::Work, std::move(key), std::move(item), ""};
    }
    static Admission ignore() { return {}; }
    static Admission reject(std::string reason) {
        return {Kind::DeadLetter, "", {}, std::move(reason)};
    }
};

class Channel {
public:
    virtual ~Channel() = default;
    virtual std::string name() const = 0;
    // True: attempt() gets every message of the key (and settles them all); false: the oldest.
    virtual bool coalesces() const { return false; }
    // Attempts under way at once, over all keys. One, for services that want requests one after
    // another (GitHub asks for that) and so that a rate limit seen in one answer holds back the
    // very next request.
    virtual std::size_t max_in_flight() const { return 1; }
    // Decodes a delivery and picks its key; Ack for messages this channel has nothing to do with.
    virtual Admission admit(const Delivery& delivery) = 0;
    // Delivers `batch` (pointers stay valid until done runs); calls done exactly once, on the
    // loop thread. `attempt` counts the tries of this key so far (1 = first).
    virtual void attempt(const std::string& key, const std::vector<const Pending*>& batch,
                         int attempt, std::function<void(Outcome)> done) = 0;
};

class DeliveryQueue {
public:
    DeliveryQueue(Loop& loop, Channel& channel, RetryPolicy policy, Metrics& metrics);
    ~DeliveryQueue();
    DeliveryQueue(const DeliveryQueue&) = delete;
    DeliveryQueue& operator=(const DeliveryQueue&) = delete;

    void push(const Delivery& delivery, std::shared_ptr<DeliveryControl> control);
    // Work not from RabbitMQ (reminders): settled through control like any other.
    void push_item(const std::string& key, std::any item, std::shared_ptr<DeliveryControl> control,
                   const std::string& correlation_id = "");

    // Hands back what is waiting, lets attempts under way finish, then calls done (once).
    void drain(std::function<void()> done);
    std::size_t in_hand() const;

private:
    struct KeyState {
        std::deque<Pending> items;
        int failed_attempts = 0;
        bool busy = false;
        std::unique_ptr<Timer> timer;
    };

    void enqueue(const std::string& key, Pending pending);
    void start(const std::string& key);
    void finish(const std::string& key, std::size_t batch_size, Outcome outcome);
    void settle_front(KeyState& state, std::size_t count, bool delivered,
                      const std::string& reason);
    void schedule(const std::string& key, std::chrono::milliseconds delay);
    void maybe_drained();
    void start_ready();

    Loop& loop_;
    Channel& channel_;
    RetryPolicy policy_;
    std::map<std::string, KeyState> keys_;
    std::deque<std::string> ready_;  // keys waiting for a free attempt slot, in order
    std::size_t in_flight_ = 0;
    std::chrono::steady_clock::time_point paused_until_{};
    bool draining_ = false;
    std::function<void()> drained_;
    std::mt19937_64 random_{std::random_device{}()};
    Counter& delivered_;
    Counter& retried_;
    Counter& dead_lettered_;
    Gauge& in_hand_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A DeliveryControl for work that did not come from RabbitMQ: settling only logs.
std::shared_ptr<DeliveryControl> unacked_control(std::string what);

}  // namespace strata::notifier
