#include "delivery_queue.hpp"

#include <algorithm>

#include "strata/log.hpp"

namespace strata::notifier {
namespace {

using std::chrono::steady_clock;

class LogOnlyControl : public DeliveryControl {
public:
    explicit LogOnlyControl(std::string what) : what_(std::move(what)) {}
    void ack() override {}
    void requeue() override { log::info("dropping unsent work at shutdown", {{"work", what_}}); }
    void dead_letter(std::string reason) override {
        log::error("giving up", {{"work", what_}, {"reason", reason}});
    }

private:
    std::string what_;
};

}  // namespace

std::shared_ptr<DeliveryControl> unacked_control(std::string what) {
    return std::make_shared<LogOnlyControl>(std::move(what));
}

DeliveryQueue::DeliveryQueue(Loop& loop, Channel& channel, RetryPolicy policy, Metrics& metrics)
    : loop_(loop),
      channel_(channel),
      policy_(policy),
      delivered_(metrics.counter("strata_notifier_delivered_total",
                                 "messages delivered (or covered by a newer one) per channel",
                                 {{"channel", channel.name()}})),
      retried_(metrics.counter("strata_notifier_retries_total",
                               "failed delivery attempts that will be tried again",
                               {{"channel", channel.name()}})),
      dead_lettered_(metrics.counter("strata_notifier_dead_lettered_total",
                                     "messages given up on, with the reason in the dead letter",
                                     {{"channel", channel.name()}})),
      in_hand_(metrics.gauge("strata_notifier_in_hand", "messages held, not yet settled",
                             {{"channel", channel.name()}})) {}

DeliveryQueue::~DeliveryQueue() { *alive_ = false; }

std::size_t DeliveryQueue::in_hand() const {
    std::size_t n = 0;
    for (const auto& [key, state] : keys_) n += state.items.size();
    return n;
}

void DeliveryQueue::push(const Delivery& delivery, std::shared_ptr<DeliveryControl> control) {
    if (draining_) return control->requeue();
    auto admission = channel_.admit(delivery);
    switch (admission.kind) {
        case Admission::Kind::Ack:
            return control->ack();
        case Admission::Kind::DeadLetter:
            log::error("dead-lettering a message the notifier cannot read",
                       {{"channel", channel_.name()}, {"error", admission.reason}},
                       delivery.correlation_id);
            dead_lettered_.inc();
            return control->dead_letter(admission.reason);
        case Admission::Kind::Work:
            break;
    }
    enqueue(admission.key,
            Pending{delivery.message_id, delivery.correlation_id, delivery.redelivered,
                    std::move(admission.item), std::move(control)});
}

void DeliveryQueue::push_item(const std::string& key, std::any item,
                              std::shared_ptr<DeliveryControl> control,
                              const std::string& correlation_id) {
    if (draining_) return control->requeue();
    enqueue(key, Pending{"", correlation_id, false, std::move(item), std::move(control)});
}

void DeliveryQueue::enqueue(const std::string& key, Pending pending) {
    auto& state = keys_[key];
    state.items.push_back(std::move(pending));
    in_hand_.add(1);
    if (!state.busy && !state.timer) start(key);
}

void DeliveryQueue::start(const std::string& key) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return;
    auto& state = it->second;
    state.timer.reset();
    if (draining_) {
        for (auto& p : state.items) p.control->requeue();
        in_hand_.add(-static_cast<long long>(state.items.size()));
        keys_.erase(it);
        return maybe_drained();
    }
    auto now = steady_clock::now();
    if (now < paused_until_) {
        return schedule(key, std::chrono::duration_cast<milliseconds>(paused_until_ - now));
    }
    if (in_flight_ >= channel_.max_in_flight()) {
        if (std::find(ready_.begin(), ready_.end(), key) == ready_.end()) ready_.push_back(key);
        return;
    }
    ++in_flight_;
    std::vector<const Pending*> batch;
    if (channel_.coalesces()) {
        for (const auto& p : state.items) batch.push_back(&p);
    } else {
        batch.push_back(&state.items.front());
    }
    state.busy = true;
    channel_.attempt(key, batch, state.failed_attempts + 1,
                     [this, alive = alive_, key, n = batch.size()](Outcome outcome) {
                         if (*alive) finish(key, n, std::move(outcome));
                     });
}

void DeliveryQueue::settle_front(KeyState& state, std::size_t count, bool delivered,
                                 const std::string& reason) {
    for (std::size_t i = 0; i < count && !state.items.empty(); ++i) {
        auto pending = std::move(state.items.front());
        state.items.pop_front();
        in_hand_.add(-1);
        if (delivered) {
            delivered_.inc();
            pending.control->ack();
            continue;
        }
        dead_lettered_.inc();
        log::error(
            "dead-lettering a notification",
            {{"channel", channel_.name()}, {"message_id", pending.message_id}, {"reason", reason}},
            pending.correlation_id);
        pending.control->dead_letter(reason);
    }
}

void DeliveryQueue::finish(const std::string& key, std::size_t batch_size, Outcome outcome) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return;
    auto& state = it->second;
    state.busy = false;
    --in_flight_;
    if (outcome.pause_channel) {
        paused_until_ = std::max(paused_until_, steady_clock::now() + *outcome.pause_channel);
        log::warn("rate limited; holding the channel",
                  {{"channel", channel_.name()},
                   {"for_ms", static_cast<long long>(outcome.pause_channel->count())}});
    }
    switch (outcome.kind) {
        case Outcome::Kind::Delivered:
            state.failed_attempts = 0;
            settle_front(state, batch_size, true, "");
            break;
        case Outcome::Kind::Permanent:
            state.failed_attempts = 0;
            settle_front(state, batch_size, false, channel_.name() + ": " + outcome.reason);
            break;
        case Outcome::Kind::Retry: {
            if (outcome.counts) ++state.failed_attempts;
            if (state.failed_attempts >= policy_.max_attempts) {
                auto reason = channel_.name() + ": gave up after " +
                              std::to_string(state.failed_attempts) +
                              " attempts; last: " + outcome.reason;
                state.failed_attempts = 0;
                settle_front(state, batch_size, false, reason);
                break;
            }
            retried_.inc();
            std::uniform_real_distribution<double> uniform(0.0, 1.0);
            auto delay = outcome.counts || outcome.retry_after
                             ? retry_delay(policy_, std::max(state.failed_attempts, 1),
                                           outcome.retry_after, uniform(random_))
                             : milliseconds(200 + static_cast<long long>(uniform(random_) * 300));
            log::warn("delivery failed; retrying",
                      {{"channel", channel_.name()},
                       {"key", key},
                       {"error", outcome.reason},
                       {"attempt", state.failed_attempts},
                       {"retry_in_ms", static_cast<long long>(delay.count())}},
                      state.items.front().correlation_id);
            if (draining_) break;  // handed back below
            schedule(key, delay);
            return start_ready();
        }
    }
    if (state.items.empty()) {
        keys_.erase(it);
        maybe_drained();
    } else {
        ready_.push_back(key);  // behind the keys that waited for the slot
    }
    start_ready();
}

void DeliveryQueue::start_ready() {
    while (!ready_.empty() && in_flight_ < channel_.max_in_flight()) {
        auto key = ready_.front();
        ready_.pop_front();
        auto it = keys_.find(key);
        if (it == keys_.end() || it->second.busy || it->second.timer) continue;
        start(key);
    }
}

void DeliveryQueue::schedule(const std::string& key, std::chrono::milliseconds delay) {
    auto& state = keys_[key];
    state.timer = std::make_unique<Timer>(loop_);
    state.timer->start(delay, [this, key] { start(key); });
}

void DeliveryQueue::drain(std::function<void()> done) {
    draining_ = true;
    drained_ = std::move(done);
    for (auto it = keys_.begin(); it != keys_.end();) {
        if (it->second.busy) {
            ++it;
            continue;
        }
        for (auto& p : it->second.items) p.control->requeue();
        in_hand_.add(-static_cast<long long>(it->second.items.size()));
        it = keys_.erase(it);
    }
    maybe_drained();
}

void DeliveryQueue::maybe_drained() {
    if (draining_ && keys_.empty() && drained_) std::exchange(drained_, nullptr)();
}

}  // namespace strata::notifier
