// Redis client on hiredis' async API and its libuv adapter, on the daemon's loop thread.
//
// Contract: callbacks run on the loop thread, exactly once. While disconnected, commands fail at
// once with an error (the caller decides: requeue the message, answer 503); the client keeps
// reconnecting with backoff and reports healthy() == false meanwhile. Lua scripts are called by
// name with EVALSHA; a NOSCRIPT answer (Redis restarted or flushed its script cache) loads the
// script again and retries once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata {

class Loop;

struct RedisReply {
    enum class Type { Nil, Integer, String, Status, Array };
    Type type = Type::Nil;
    long long integer = 0;
    std::string str;  // String and Status
    std::vector<RedisReply> elements;

    bool is_nil() const { return type == Type::Nil; }
};

using RedisCallback = std::function<void(Result<RedisReply>)>;

struct RedisOptions {
    std::string url = "redis://127.0.0.1:6379";  // redis://[:password@]host:port[/db]
    std::chrono::milliseconds connect_timeout{2'000};
    std::chrono::milliseconds max_backoff{5'000};
};

class RedisClient {
public:
    RedisClient(Loop& loop, RedisOptions options);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    void connect();
    bool healthy() const;

    // Server error replies (-ERR ...) arrive as Error, not as a reply.
    void command(std::vector<std::string> argv, RedisCallback callback);

    // Registers a Lua script under a name; call it with eval().
    void register_script(const std::string& name, std::string source);
    void eval(const std::string& name, std::vector<std::string> keys, std::vector<std::string> args,
              RedisCallback callback);

    // Disconnects and stops reconnecting; pending callbacks get an error.
    void close();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace strata
