// The daemon's event loop: one libuv loop on the main thread. Other threads (the AMQP connection
// thread, the HTTP client worker) hand work to it with post(); nothing else touches loop state
// from another thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

struct uv_loop_s;

namespace strata {

class Loop {
public:
    Loop();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    uv_loop_s* raw();

    // Thread-safe: runs fn on the loop thread, in order of posting. Posts after close() are
    // dropped.
    void post(std::function<void()> fn);

    // Runs work on libuv's thread pool, then after() on the loop thread. For blocking calls
    // (libgit2, file system) that must stay off the loop.
    void queue_work(std::function<void()> work, std::function<void()> after);

    // Runs until no active handles remain (or stop()).
    void run();
    void stop();

    // Closes the loop's own handles and runs the loop until uv_loop_close succeeds.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A one-shot or repeating timer on the loop. Destroying it cancels it (the handle itself is
// freed in its close callback).
class Timer {
public:
    explicit Timer(Loop& loop);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    void start(std::chrono::milliseconds delay, std::function<void()> fn);
    void start_repeating(std::chrono::milliseconds interval, std::function<void()> fn);
    void stop();

private:
    struct Impl;
    Impl* impl_;  // owned by the uv handle; released in its close callback
};

// SIGTERM/SIGINT: the first calls on_stop (on the loop thread); the second exits at once.
class ShutdownSignals {
public:
    ShutdownSignals(Loop& loop, std::function<void()> on_stop);
    ~ShutdownSignals();
    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace strata
