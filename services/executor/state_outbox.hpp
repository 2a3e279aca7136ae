// job.state messages on their way to the scheduler. Each deployment's states go out in order, one
// at a time (the next is published once the broker confirmed the previous one); a publish that
// fails is retried every retry_delay until it is confirmed, so a broker outage delays reports but
// loses none. Message ids are derived from job id and state (docs/job-protocol.md), so a retry
// that was in fact delivered is a harmless duplicate. Loop thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "strata/amqp.hpp"
#include "strata/loop.hpp"
#include "strata/messages.hpp"

namespace strata::executor {

class StateOutbox {
public:
    StateOutbox(Loop& loop, AmqpClient& amqp,
                std::chrono::milliseconds retry_delay = std::chrono::seconds(1));
    ~StateOutbox();

    // Queues a state; `stream` orders it (the deployment key).
    void publish(const std::string& stream, const Origin& origin, JobState state);
    bool idle() const { return streams_.empty(); }
    // Runs once when nothing is left to publish (at once when idle).
    void when_idle(std::function<void()> fn);

private:
    struct Item {
        std::string routing_key;
        std::string body;
        std::string id;
        std::string correlation_id;
    };
    void send(const std::string& stream);

    Loop& loop_;
    AmqpClient& amqp_;
    std::chrono::milliseconds retry_delay_;
    std::map<std::string, std::deque<Item>> streams_;  // head is in flight
    std::map<std::string, std::unique_ptr<Timer>> retries_;
    std::function<void()> on_idle_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::executor
