// RedisClient on hiredis' async API (0.14) and its libuv adapter (with fixed poll hooks).
// hiredis frees the async context itself (connection error, failed connect, redisAsyncFree). Each
// command carries a heap Request with a weak reference to the Impl; hiredis hands it back exactly
// once, with the reply or with NULL when the context goes away. The context's data points to the
// Impl and is cleared whenever the Impl lets go of the context.
#include "strata/redis.hpp"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "strata/log.hpp"
#include "strata/loop.hpp"

namespace strata {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};

struct Endpoint {
    std::string host;
    int port = 6379;
    std::string user;
    std::string password;
    int db = 0;
};

std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        int v = 0;
        bool escape = s[i] == '%' && i + 2 < s.size() &&
                      std::from_chars(&s[i + 1], &s[i + 3], v, 16).ptr == &s[i + 3];
        out.push_back(escape ? static_cast<char>(v) : s[i]);
        if (escape) i += 2;
    }
    return out;
}

bool parse_int(std::string_view s, int& out) {
    return !s.empty() &&
           std::from_chars(s.data(), s.data() + s.size(), out).ptr == s.data() + s.size();
}

// redis://[[user]:password@]host[:port][/db]; the password may be percent-encoded.
Result<Endpoint> parse_url(std::string_view url) {
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme)) return Error{"parsing redis url: expected redis://"};
    std::string_view rest = url.substr(scheme.size());
    Endpoint ep;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) return Error{"parsing redis url: expected :password@"};
        ep.user = percent_decode(userinfo.substr(0, colon));
        ep.password = percent_decode(userinfo.substr(colon + 1));
    }
    std::string_view hostport = rest.substr(0, rest.find('/'));
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && (!parse_int(db, ep.db) || ep.db < 0)) {
            return Error{"parsing redis url: bad database '" + std::string(db) + "'"};
        }
    }
    auto colon = hostport.rfind(':');
    ep.host = hostport.substr(0, colon);
    std::string_view port = colon == std::string_view::npos ? "" : hostport.substr(colon + 1);
    if (ep.host.empty()) return Error{"parsing redis url: missing host"};
    if (!port.empty() && (!parse_int(port, ep.port) || ep.port < 1 || ep.port > 65535)) {
        return Error{"parsing redis url: bad port '" + std::string(port) + "'"};
    }
    return ep;
}

std::string sha1_hex(const std::string& text) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    char hex[2 * SHA_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(&hex[2 * i], 3, "%02x", digest[i]);
    return hex;
}

// "GET key" for error messages: the command and its first argument (shortened), never AUTH's.
std::string describe(const std::vector<std::string>& argv) {
    if (argv.empty()) return "(empty command)";
    std::string out = argv[0];
    if (argv.size() > 1 && strcasecmp(out.c_str(), "AUTH") != 0) out += " " + argv[1].substr(0, 64);
    return out;
}

// An error reply anywhere in the reply (EXEC answers nest them) makes the whole result an Error.
Result<RedisReply> convert(const redisReply* r, const std::string& what) {
    using Type = RedisReply::Type;
    RedisReply out;
    switch (r->type) {
        case REDIS_REPLY_ERROR:
            return Error{"redis " + what + ": " + std::string(r->str, r->len)};
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
            out.type = r->type == REDIS_REPLY_STRING ? Type::String : Type::Status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Type::Integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Type::Array;
            out.elements.reserve(r->elements);
            for (size_t i = 0; i < r->elements; ++i) {
                auto element = convert(r->element[i], what);
                if (!element) return element.error();
                out.elements.push_back(std::move(*element));
            }
            break;
        default:  // REDIS_REPLY_NIL
            break;
    }
    return out;
}

// hiredis 0.14's libuv adapter drops poll errors: a refused connect or a reset connection
// reports UV_EBADF and stops the poll, and the context hangs. These hooks replace the adapter's
// (its data and cleanup stay): as hiredis 1.x does, an error is handed to hiredis as the events
// it waits for, so its read or write fails and it disconnects.
void on_poll(uv_poll_t* handle, int status, int events) {
    auto* p = static_cast<redisLibuvEvents*>(handle->data);
    int ev = status != 0 ? p->events : events;
    if (p->context != nullptr && (ev & UV_READABLE) != 0) redisAsyncHandleRead(p->context);
    if (p->context != nullptr && (ev & UV_WRITABLE) != 0) redisAsyncHandleWrite(p->context);
}

void set_poll_events(void* data, int add, int remove) {
    auto* p = static_cast<redisLibuvEvents*>(data);
    p->events = (p->events | add) & ~remove;
    p->events != 0 ? uv_poll_start(&p->handle, p->events, &on_poll) : uv_poll_stop(&p->handle);
}

bool attach(redisAsyncContext* ac, uv_loop_t* loop) {
    if (redisLibuvAttach(ac, loop) != REDIS_OK) {
        ac->ev.cleanup = nullptr;  // the adapter's data is not set: nothing to clean up
        return false;
    }
    ac->ev.addRead = [](void* p) { set_poll_events(p, UV_READABLE, 0); };
    ac->ev.delRead = [](void* p) { set_poll_events(p, 0, UV_READABLE); };
    ac->ev.addWrite = [](void* p) { set_poll_events(p, UV_WRITABLE, 0); };
    ac->ev.delWrite = [](void* p) { set_poll_events(p, 0, UV_WRITABLE); };
    return true;
}

}  // namespace

struct RedisClient::Impl : std::enable_shared_from_this<Impl> {
    // Idle: connect() not called. Connecting: TCP connect, AUTH and SELECT under the connect
    // timeout. Ready: healthy. Backoff: waiting to reconnect. Closed: close() called.
    enum class State { Idle, Connecting, Ready, Backoff, Closed };
    // Called once per request: reply is NULL when the connection went away first.
    using Handler = std::function<void(Impl& self, redisReply* reply)>;
    struct Request {
        std::weak_ptr<Impl> owner;
        Handler on_reply;
    };
    struct Script {
        std::string source, sha;
    };

    Impl(Loop& l, RedisOptions o)
        : loop(l), options(std::move(o)), endpoint(parse_url(options.url)) {
        if (endpoint) log::register_secret(endpoint->password);
    }

    Loop& loop;
    RedisOptions options;
    Result<Endpoint> endpoint;
    State state = State::Idle;
    redisAsyncContext* ctx = nullptr;  // the connection being set up or in use
    std::unique_ptr<Timer> timer;      // connect timeout and reconnect backoff
    std::chrono::milliseconds backoff = kFirstBackoff;
    bool was_ready = false;       // connected at least once: commands fail with "connection lost"
    bool drop_callbacks = false;  // the client is being destroyed: pending callbacks are not run
    std::unordered_map<std::string, Script> scripts;

    std::string where() const { return endpoint->host + ":" + std::to_string(endpoint->port); }

    // Why a command gets no reply: not sent (not Ready) or its connection went away.
    std::string reason() const {
        if (!endpoint) return endpoint.error().message;
        if (state == State::Closed) return "client closed";
        return was_ready ? "connection lost" : "not connected";
    }

    // The handler for a caller's command: the reply converted, or an Error saying why none.
    static Handler deliver(std::string what, RedisCallback callback) {
        return [what = std::move(what), callback = std::move(callback)](Impl& self, redisReply* r) {
            if (r == nullptr) return callback(Error{"redis " + what + ": " + self.reason()});
            callback(convert(r, what));
        };
    }

    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
        std::unique_ptr<Request> request(static_cast<Request*>(privdata));
        auto self = request->owner.lock();
        if (!self || self->drop_callbacks) return;
        auto* r = static_cast<redisReply*>(reply);
        if (r == nullptr) self->lost(ac, ac->c.err != 0 ? ac->c.errstr : "connection lost");
        request->on_reply(*self, r);
    }

    static void on_connect(const redisAsyncContext* ac, int status) {
        auto* self = static_cast<Impl*>(ac->data);
        if (self == nullptr) return;
        if (status != REDIS_OK) return self->lost(ac, ac->c.err ? ac->c.errstr : "connect failed");
        self->handshake();
    }

    static void on_disconnect(const redisAsyncContext* ac, int status) {
        if (auto* self = static_cast<Impl*>(ac->data))
            self->lost(ac, status == REDIS_OK || ac->c.err == 0 ? "disconnected" : ac->c.errstr);
    }

    // Queues a command on ctx; the handler runs once with the reply, or with NULL (at once when
    // there is no usable connection).
    void send(const std::vector<std::string>& argv, Handler handler, bool handshake = false) {
        if (ctx == nullptr || (state != State::Ready && !handshake)) return handler(*this, nullptr);
        auto request = std::make_unique<Request>(Request{weak_from_this(), std::move(handler)});
        std::vector<const char*> args;
        std::vector<size_t> lens;
        for (const auto& a : argv) args.push_back(a.data());
        for (const auto& a : argv) lens.push_back(a.size());
        if (redisAsyncCommandArgv(ctx, &Impl::on_reply, request.get(),
                                  static_cast<int>(args.size()), args.data(),
                                  lens.data()) != REDIS_OK) {
            return request->on_reply(*this, nullptr);
        }
        request.release();  // hiredis hands it back to on_reply
    }

    void start_connect() {
        state = State::Connecting;
        if (!timer) timer = std::make_unique<Timer>(loop);
        redisAsyncContext* ac = redisAsyncConnect(endpoint->host.c_str(), endpoint->port);
        if (ac == nullptr) return fail("connecting: out of memory");
        std::string error = ac->err != 0              ? ac->errstr
                            : !attach(ac, loop.raw()) ? "attaching to the loop failed"
                                                      : "";
        if (!error.empty()) {
            redisAsyncFree(ac);
            return fail("connecting: " + error);
        }
        ac->data = this;
        ctx = ac;
        redisAsyncSetConnectCallback(ac, &Impl::on_connect);
        redisAsyncSetDisconnectCallback(ac, &Impl::on_disconnect);
        timer->start(options.connect_timeout, [this] { drop("connecting: timed out"); });
    }

    // Connected: AUTH and SELECT as the URL asks, then Ready.
    void handshake() {
        std::vector<std::vector<std::string>> steps;
        if (!endpoint->password.empty()) {
            steps.push_back({"AUTH", endpoint->user, endpoint->password});
            if (endpoint->user.empty()) steps.back().erase(steps.back().begin() + 1);
        }
        if (endpoint->db != 0) steps.push_back({"SELECT", std::to_string(endpoint->db)});
        if (steps.empty()) return ready();
        auto remaining = std::make_shared<size_t>(steps.size());
        for (const auto& step : steps) {
            auto handler = [ac = ctx, remaining, name = step[0]](Impl& self, redisReply* r) {
                if (self.ctx != ac) return;  // that connection is gone
                if (r == nullptr) return self.drop(name + ": sending failed");
                if (r->type == REDIS_REPLY_ERROR) {
                    return self.drop(name + ": " + std::string(r->str, r->len));
                }
                if (--*remaining == 0) self.ready();
            };
            send(step, handler, true);
        }
    }

    void ready() {
        timer->stop();
        state = State::Ready;
        was_ready = true;
        backoff = kFirstBackoff;
        log::info("redis connected", {{"redis", where()}});
    }

    // A connection attempt failed before a context existed.
    void fail(const std::string& reason) {
        log::warn("redis connect failed", {{"redis", where()}, {"error", reason}});
        schedule_reconnect();
    }

    // hiredis is freeing ac (error, failed connect): forget it and reconnect later.
    void lost(const redisAsyncContext* ac, const std::string& reason) {
        if (ac != ctx) return;
        ctx->data = nullptr;
        ctx = nullptr;
        log::warn(state == State::Ready ? "redis connection lost" : "redis connect failed",
                  {{"redis", where()}, {"error", reason}});
        schedule_reconnect();
    }

    // Gives up the current connection (handshake error, connect timeout) and reconnects later.
    void drop(const std::string& reason) {
        if (redisAsyncContext* ac = ctx) {
            lost(ac, reason);
            redisAsyncFree(ac);  // deferred by hiredis when called from one of its callbacks
        }
    }

    void schedule_reconnect() {
        if (state == State::Closed) return;
        state = State::Backoff;
        timer->start(backoff, [this] { start_connect(); });
        backoff = std::min(backoff * 2, std::max(options.max_backoff, kFirstBackoff));
    }

    void close() {
        state = State::Closed;
        timer.reset();  // closes the timer handle
        if (redisAsyncContext* ac = ctx) {
            ac->data = nullptr;
            ctx = nullptr;
            // After Loop::close() the poll handle is closed already: freed here, not closed again.
            auto* p = static_cast<redisLibuvEvents*>(ac->ev.data);
            bool closed = uv_is_closing(reinterpret_cast<uv_handle_t*>(&p->handle)) != 0;
            if (closed) ac->ev.cleanup = nullptr;
            redisAsyncFree(ac);  // pending requests get NULL: their callbacks get an Error
            if (closed) free(p);
        }
    }
};

RedisClient::RedisClient(Loop& loop, RedisOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {}

// Pending callbacks are dropped, not run: they may refer to objects already destroyed.
RedisClient::~RedisClient() {
    impl_->drop_callbacks = true;
    impl_->close();
}

void RedisClient::connect() {
    if (impl_->state != Impl::State::Idle && impl_->state != Impl::State::Closed) return;
    if (!impl_->endpoint) return log::error("redis: not connecting: " + impl_->reason());
    impl_->backoff = kFirstBackoff;
    impl_->start_connect();
}

bool RedisClient::healthy() const { return impl_->state == Impl::State::Ready; }

void RedisClient::command(std::vector<std::string> argv, RedisCallback callback) {
    std::string what = describe(argv);
    impl_->send(argv, Impl::deliver(std::move(what), std::move(callback)));
}

void RedisClient::register_script(const std::string& name, std::string source) {
    std::string sha = sha1_hex(source);
    impl_->scripts[name] = Impl::Script{std::move(source), std::move(sha)};
}

void RedisClient::eval(const std::string& name, std::vector<std::string> keys,
                       std::vector<std::string> args, RedisCallback callback) {
    std::string what = "eval " + name;
    auto it = impl_->scripts.find(name);
    if (it == impl_->scripts.end()) {
        return callback(Error{"redis " + what + ": script not registered"});
    }
    std::vector<std::string> argv{"EVALSHA", it->second.sha, std::to_string(keys.size())};
    std::move(keys.begin(), keys.end(), std::back_inserter(argv));
    std::move(args.begin(), args.end(), std::back_inserter(argv));
    auto deliver = Impl::deliver(what, std::move(callback));
    impl_->send(argv, [name, argv, deliver](Impl& self, redisReply* r) mutable {
        // Not cached (Redis restarted, SCRIPT FLUSH): EVAL runs and caches it; retried once.
        auto script = self.scripts.find(name);
        bool noscript = r != nullptr && r->type == REDIS_REPLY_ERROR &&
                        std::string_view(r->str, r->len).starts_with("NOSCRIPT");
        if (!noscript || script == self.scripts.end()) return deliver(self, r);
        argv[0] = "EVAL";
        argv[1] = script->second.source;
        self.send(argv, std::move(deliver));
    });
}

void RedisClient::close() { impl_->close(); }

}  // namespace strata
