// The CLI drives the shared clients (AmqpClient, RedisClient) on a private Loop, one step at a
// time: run the loop until something happened or a deadline passed.
#pragma once

#include <chrono>
#include <functional>

#include "strata/loop.hpp"

namespace strata::cli {

// Runs loop until done() holds (checked every few milliseconds) or deadline passes; returns
// done(). Leaves no handle of its own running.
inline bool run_loop_until(Loop& loop, const std::function<bool()>& done,
                           std::chrono::milliseconds deadline) {
    if (done()) return true;
    auto end = std::chrono::steady_clock::now() + deadline;
    Timer tick(loop);
    tick.start_repeating(std::chrono::milliseconds(2), [&] {
        if (done() || std::chrono::steady_clock::now() >= end) loop.stop();
    });
    loop.run();
    tick.stop();
    return done();
}

// "amqp://user:secret@host:5672/vhost" -> "host:5672/vhost": where, without credentials.
inline std::string url_location(const std::string& url) {
    auto scheme = url.find("://");
    auto start = scheme == std::string::npos ? 0 : scheme + 3;
    auto at = url.find('@', start);
    return url.substr(at == std::string::npos ? start : at + 1);
}

}  // namespace strata::cli
