// Real Redis and RabbitMQ servers for integration tests, started through tools/strata-servers,
// and helpers to drive a Loop until something happens.
//
// A server lives in its own temporary directory on a free port; stop() and restart() keep both,
// so a restarted Redis has its data back (AOF). Destroying a server stops it and removes the
// directory. Start failures throw std::runtime_error carrying the script's message.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace strata {
class Loop;
}

namespace strata::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int free_port();

// A server started by tools/strata-servers. Move-only.
class TestServer {
public:
    TestServer(TestServer&& other) noexcept;
    TestServer& operator=(TestServer&& other) noexcept;
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    ~TestServer();

    int port() const { return port_; }
    const std::string& dir() const { return dir_; }
    bool running() const { return running_; }

    // Stops the server (SIGTERM, then SIGKILL after a deadline). Idempotent.
    void stop();
    // Stops it if running and starts it again on the same port with the same directory.
    void restart();
    // SIGKILLs the server process, as a crash or an OOM kill would (no shutdown, no final
    // fsync), and waits until it is gone. restart() brings it back. Redis only.
    void kill_hard();

protected:
    // base_dir: where its directory is made ("" = the temporary directory).
    TestServer(std::string kind, std::string dir_prefix, const std::string& base_dir);
    void start();

private:
    void release();

    std::string kind_;  // "redis" or "rabbitmq": the strata-servers subcommand
    std::string dir_;
    int port_ = 0;
    bool running_ = false;
};

class RedisServer : public TestServer {
public:
    // Its data directory below base_dir ("" = the temporary directory).
    static RedisServer start(const std::string& base_dir = "");
    std::string url() const;  // redis://127.0.0.1:PORT

private:
    explicit RedisServer(const std::string& base_dir);
};

class RabbitServer : public TestServer {
public:
    static RabbitServer start();
    std::string url() const;  // amqp://guest:guest@127.0.0.1:PORT/

private:
    RabbitServer();
};

// STRATA_TEST_REDIS_URL if set, else the URL of a RedisServer started on first use and stopped
// at exit, shared by the whole test process. Thread-safe.
std::string shared_redis_url();
// STRATA_TEST_AMQP_URL if set, else a process-wide RabbitServer, as above.
std::string shared_amqp_url();

// prefix-PID-COUNTER-RANDOM: unique per call and across concurrent test processes; made of
// characters valid in Redis keys and AMQP exchange and queue names.
std::string unique_name(std::string_view prefix);

// Runs the loop until pred() is true or the deadline passes; returns pred(). Never blocks longer
// than a few milliseconds past the deadline (a short repeating timer wakes the loop), and leaves
// no handle of its own behind.
bool run_until(Loop& loop, std::function<bool()> pred,
               std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace strata::testing
