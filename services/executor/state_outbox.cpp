#include "state_outbox.hpp"

#include "strata/log.hpp"

namespace strata::executor {

StateOutbox::StateOutbox(Loop& loop, AmqpClient& amqp, std::chrono::milliseconds retry_delay)
    : loop_(loop), amqp_(amqp), retry_delay_(retry_delay) {}

StateOutbox::~StateOutbox() { *alive_ = false; }

void StateOutbox::publish(const std::string& stream, const Origin& origin, JobState state) {
    auto id = derived_uuid("job-state|" + state.job_id + "|" + state.state);
    log::info("job state",
              {{"job_id", state.job_id},
               {"state", state.state},
               {"revision_order", state.revision_order}},
              origin.correlation_id);
    auto& queue = streams_[stream];
    queue.push_back({std::string(JobState::kType),
                     encode(make_message(std::move(state), origin, id)), id,
                     origin.correlation_id});
    if (queue.size() == 1) send(stream);
}

void StateOutbox::when_idle(std::function<void()> fn) {
    if (idle()) return fn();
    on_idle_ = std::move(fn);
}

void StateOutbox::send(const std::string& stream) {
    const Item& item = streams_[stream].front();
    amqp_.publish(
        {item.routing_key, item.body, item.id, item.correlation_id, "application/json", {}},
        [this, alive = alive_, stream](Result<void> sent) {
            if (!*alive) return;
            auto it = streams_.find(stream);
            if (it == streams_.end()) return;
            if (!sent) {
                log::warn("publishing a job state; retrying", {{"error", sent.error().message}});
                auto& timer = retries_[stream];
                if (!timer) timer = std::make_unique<Timer>(loop_);
                timer->start(retry_delay_, [this, stream] { send(stream); });
                return;
            }
            it->second.pop_front();
            if (!it->second.empty()) return send(stream);
            streams_.erase(it);
            retries_.erase(stream);
            if (streams_.empty() && on_idle_) std::exchange(on_idle_, nullptr)();
        });
}

}  // namespace strata::executor
