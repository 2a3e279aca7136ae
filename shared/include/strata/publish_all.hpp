// Publishes several messages and reports once: ok when the broker confirmed all of them, else
// the first error. Runs on the loop thread.
#pragma once

#include <memory>
#include <vector>

#include "strata/amqp.hpp"

namespace strata {

inline void publish_all(AmqpClient& amqp, std::vector<OutgoingMessage> messages,
                        std::function<void(Result<void>)> done) {
    if (messages.empty()) return done({});
    struct State {
        std::size_t remaining;
        std::optional<Error> error;
        std::function<void(Result<void>)> done;
    };
    auto state = std::make_shared<State>(State{messages.size(), std::nullopt, std::move(done)});
    for (auto& m : messages) {
        amqp.publish(std::move(m), [state](Result<void> sent) {
            if (!sent && !state->error) state->error = sent.error();
            if (--state->remaining > 0) return;
            if (state->error)
                state->done(*state->error);
            else
                state->done({});
        });
    }
}

}  // namespace strata
