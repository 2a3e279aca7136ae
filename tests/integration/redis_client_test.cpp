// RedisClient against a real Redis: the shared test server for plain commands, a private one
// where a test stops, restarts or reconfigures the server. Also checks that RabbitServer starts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/loop.hpp"
#include "strata/redis.hpp"
#include "support/test_servers.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using testing::shared_redis_url;
using testing::unique_name;

// Handles on the loop besides the Loop's own async handle.
int open_handles(Loop& loop) {
    int count = 0;
    uv_walk(
        loop.raw(),
        [](uv_handle_t* h, void* arg) {
            if (h->type != UV_ASYNC) ++*static_cast<int*>(arg);
        },
        &count);
    return count;
}

class RedisClientTest : public ::testing::Test {
protected:
    // Connects a client and waits until it is healthy.
    std::unique_ptr<RedisClient> connect(const std::string& url) {
        auto client = std::make_unique<RedisClient>(loop, RedisOptions{url, 2s, 200ms});
        client->connect();
        EXPECT_TRUE(run_until(loop, [&] { return client->healthy(); })) << "connecting " << url;
        return client;
    }

    Result<RedisReply> call(RedisClient& client, std::vector<std::string> argv) {
        std::optional<Result<RedisReply>> out;
        client.command(std::move(argv), [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    Result<RedisReply> eval(RedisClient& client, const std::string& name,
                            std::vector<std::string> keys, std::vector<std::string> args) {
        std::optional<Result<RedisReply>> out;
        client.eval(name, std::move(keys), std::move(args),
                    [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
        if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
        return std::move(*out);
    }

    std::string key(const std::string& name) { return prefix + ":" + name; }

    Loop loop;
    std::string prefix = unique_name("redis-client-test");
};

TEST_F(RedisClientTest, SetThenGetReturnsTheStoredString) {
    auto client = connect(shared_redis_url());
    auto set = call(*client, {"SET", key("a"), "hello"});
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->type, RedisReply::Type::Status);
    EXPECT_EQ(set->str, "OK");

    auto get = call(*client, {"GET", key("a")});
    ASSERT_TRUE(get.ok()) << get.error().message;
    EXPECT_EQ(get->type, RedisReply::Type::String);
    EXPECT_EQ(get->str, "hello");
}

TEST_F(RedisClientTest, RepliesConvertToIntegersNilAndNestedArrays) {
    auto client = connect(shared_redis_url());
    auto incr = call(*client, {"INCRBY", key("n"), "41"});
    ASSERT_TRUE(incr.ok()) << incr.error().message;
    EXPECT_EQ(incr->type, RedisReply::Type::Integer);
    EXPECT_EQ(incr->integer, 41);

    auto missing = call(*client, {"GET", key("missing")});
    ASSERT_TRUE(missing.ok()) << missing.error().message;
    EXPECT_TRUE(missing->is_nil());

    ASSERT_TRUE(call(*client, {"RPUSH", key("list"), "x", std::string("y\0z", 3)}).ok());
    auto range = call(*client, {"LRANGE", key("list"), "0", "-1"});
    ASSERT_TRUE(range.ok()) << range.error().message;
    ASSERT_EQ(range->type, RedisReply::Type::Array);
    ASSERT_EQ(range->elements.size(), 2u);
    EXPECT_EQ(range->elements[0].str, "x");
    EXPECT_EQ(range->elements[1].str, std::string("y\0z", 3));
}

TEST_F(RedisClientTest, ErrorRepliesBecomeErrors) {
    auto client = connect(shared_redis_url());
    ASSERT_TRUE(call(*client, {"SET", key("s"), "not a number"}).ok());
    auto incr = call(*client, {"INCR", key("s")});
    ASSERT_FALSE(incr.ok());
    EXPECT_NE(incr.error().message.find("redis INCR " + key("s") + ": ERR"), std::string::npos)
        << incr.error().message;
}

TEST_F(RedisClientTest, EvalRunsARegisteredScript) {
    auto client = connect(shared_redis_url());
    client->register_script("set_and_echo",
                            "redis.call('SET', KEYS[1], ARGV[1]); return {ARGV[1], 7}");
    auto r = eval(*client, "set_and_echo", {key("k")}, {"v1"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->elements.size(), 2u);
    EXPECT_EQ(r->elements[0].str, "v1");
    EXPECT_EQ(r->elements[1].integer, 7);
    EXPECT_EQ(call(*client, {"GET", key("k")})->str, "v1");
}

TEST_F(RedisClientTest, ScriptIsReloadedAfterScriptCacheFlush) {
    auto client = connect(shared_redis_url());
    client->register_script("incr", "return redis.call('INCR', KEYS[1])");
    ASSERT_TRUE(eval(*client, "incr", {key("c")}, {}).ok());
    ASSERT_TRUE(call(*client, {"SCRIPT", "FLUSH"}).ok());

    auto r = eval(*client, "incr", {key("c")}, {});  // NOSCRIPT, then EVAL
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->integer, 2);
    auto again = eval(*client, "incr", {key("c")}, {});  // cached again by the EVAL
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->integer, 3);
}

TEST_F(RedisClientTest, ScriptErrorsAndUnknownScriptsBecomeErrors) {
    auto client = connect(shared_redis_url());
    client->register_script("broken", "return redis.call('NO_SUCH_COMMAND')");
    auto broken = eval(*client, "broken", {}, {});
    ASSERT_FALSE(broken.ok());
    EXPECT_EQ(broken.error().message.rfind("redis eval broken: ", 0), 0u) << broken.error().message;

    auto unknown = eval(*client, "never_registered", {}, {});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, "redis eval never_registered: script not registered");
}

TEST_F(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
    auto db0 = connect(shared_redis_url());
    auto db3 = connect(shared_redis_url() + "/3");
    ASSERT_TRUE(call(*db3, {"SET", key("db"), "three"}).ok());
    EXPECT_EQ(call(*db3, {"GET", key("db")})->str, "three");
    EXPECT_TRUE(call(*db0, {"GET", key("db")})->is_nil());
}

TEST_F(RedisClientTest, AuthenticatesWithThePasswordFromTheUrl) {
    auto server = testing::RedisServer::start();
    auto admin = connect(server.url());
    ASSERT_TRUE(call(*admin, {"CONFIG", "SET", "requirepass", "s3cr%t"}).ok());

    auto authed = connect("redis://:s3cr%25t@127.0.0.1:" + std::to_string(server.port()));
    EXPECT_TRUE(call(*authed, {"PING"}).ok());

    RedisClient wrong(
        loop, RedisOptions{"redis://:nope@127.0.0.1:" + std::to_string(server.port()), 2s, 200ms});
    wrong.connect();
    EXPECT_FALSE(run_until(
        loop, [&] { return wrong.healthy(); }, 500ms));
}

TEST_F(RedisClientTest, CommandsFailAtOnceWhileNotConnected) {
    RedisClient client(
        loop, RedisOptions{"redis://127.0.0.1:" + std::to_string(testing::free_port()), 2s, 200ms});
    std::optional<Result<RedisReply>> before;
    client.command({"GET", "x"}, [&](Result<RedisReply> r) { before.emplace(std::move(r)); });
    ASSERT_TRUE(before.has_value());
    ASSERT_FALSE(before->ok());
    EXPECT_EQ(before->error().message, "redis GET x: not connected");

    client.connect();  // nothing listens there: it keeps retrying
    EXPECT_FALSE(run_until(
        loop, [&] { return client.healthy(); }, 300ms));
    std::optional<Result<RedisReply>> during;
    client.command({"GET", "x"}, [&](Result<RedisReply> r) { during.emplace(std::move(r)); });
    ASSERT_TRUE(during.has_value());
    EXPECT_FALSE(during->ok());
}

// A refused connect must be noticed (not left to the connect timeout, an hour here).
TEST_F(RedisClientTest, RetriesARefusedConnectUntilRedisComesUp) {
    auto server = testing::RedisServer::start();
    server.stop();
    RedisClient client(loop, RedisOptions{server.url(), std::chrono::hours(1), 200ms});
    client.connect();
    EXPECT_FALSE(run_until(
        loop, [&] { return client.healthy(); }, 300ms));
    server.restart();
    EXPECT_TRUE(run_until(
        loop, [&] { return client.healthy(); }, 5s));
}

TEST_F(RedisClientTest, ReconnectsAfterRedisRestart) {
    auto server = testing::RedisServer::start();
    auto client = connect(server.url());
    ASSERT_TRUE(call(*client, {"SET", key("kept"), "yes"}).ok());

    std::optional<Result<RedisReply>> blocked;  // pending when the server goes away
    client->command({"BLPOP", key("never"), "0"},
                    [&](Result<RedisReply> r) { blocked.emplace(std::move(r)); });
    server.stop();
    ASSERT_TRUE(run_until(loop, [&] { return !client->healthy() && blocked.has_value(); }));
    ASSERT_FALSE(blocked->ok());
    EXPECT_EQ(blocked->error().message, "redis BLPOP " + key("never") + ": connection lost");

    auto down = call(*client, {"GET", key("kept")});
    ASSERT_FALSE(down.ok());

    server.restart();
    ASSERT_TRUE(run_until(loop, [&] { return client->healthy(); }));
    auto up = call(*client, {"GET", key("kept")});
    ASSERT_TRUE(up.ok()) << up.error().message;
    EXPECT_EQ(up->str, "yes");  // the AOF kept it
}

TEST_F(RedisClientTest, CloseFailsPendingCommandsAndLeavesNoHandles) {
    auto client = connect(shared_redis_url());
    std::optional<Result<RedisReply>> pending;
    client->command({"GET", key("x")},
                    [&](Result<RedisReply> r) { pending.emplace(std::move(r)); });
    client->close();
    ASSERT_TRUE(pending.has_value());
    ASSERT_FALSE(pending->ok());
    EXPECT_EQ(pending->error().message, "redis GET " + key("x") + ": client closed");
    EXPECT_FALSE(client->healthy());

    uv_run(loop.raw(), UV_RUN_NOWAIT);  // runs the close callbacks
    EXPECT_EQ(open_handles(loop), 0);
    loop.close();
}

TEST_F(RedisClientTest, CloseFromACallbackFailsTheCommandsStillPending) {
    auto client = connect(shared_redis_url());
    std::optional<Result<RedisReply>> first, second;
    client->command({"PING"}, [&](Result<RedisReply> r) {
        first.emplace(std::move(r));
        client->close();
    });
    client->command({"PING"}, [&](Result<RedisReply> r) { second.emplace(std::move(r)); });
    ASSERT_TRUE(run_until(loop, [&] { return second.has_value(); }));
    EXPECT_TRUE(first->ok());
    ASSERT_FALSE(second->ok());
    EXPECT_EQ(second->error().message, "redis PING: client closed");
}

TEST_F(RedisClientTest, DestroyingTheClientFromACallbackDropsTheOtherCallbacks) {
    auto client = connect(shared_redis_url());
    bool first = false, second = false;
    client->command({"PING"}, [&](Result<RedisReply>) {
        first = true;
        client.reset();
    });
    client->command({"PING"}, [&](Result<RedisReply>) { second = true; });
    ASSERT_TRUE(run_until(loop, [&] { return first; }));
    uv_run(loop.raw(), UV_RUN_NOWAIT);
    EXPECT_FALSE(second);
    EXPECT_EQ(open_handles(loop), 0);
}

TEST_F(RedisClientTest, ClientMayOutliveItsClosedLoop) {
    auto client = connect(shared_redis_url());
    loop.close();  // closes the client's handles under it
    client.reset();
}

// A raw AMQP 0-9-1 handshake: the protocol header, answered by a Connection.Start method frame.
TEST(RabbitServer, StartsAndAnswersTheAmqpHandshake) {
    auto server = testing::RabbitServer::start();
    EXPECT_EQ(server.url(), "amqp://guest:guest@127.0.0.1:" + std::to_string(server.port()) + "/");

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const char header[] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    ASSERT_EQ(write(fd, header, sizeof header), static_cast<ssize_t>(sizeof header));

    unsigned char frame[11] = {};  // type, channel(2), size(4), class id(2), method id(2)
    size_t got = 0;
    while (got < sizeof frame) {
        ssize_t n = read(fd, frame + got, sizeof frame - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    ASSERT_EQ(got, sizeof frame);
    EXPECT_EQ(frame[0], 1);                      // method frame
    EXPECT_EQ((frame[7] << 8) | frame[8], 10);   // class connection
    EXPECT_EQ((frame[9] << 8) | frame[10], 10);  // method start
}

}  // namespace
}  // namespace strata
