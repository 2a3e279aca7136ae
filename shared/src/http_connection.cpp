#include "http_connection.hpp"

#include <http_parser.h>
#include <uv.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string_view>
#include <utility>

#include "strata/loop.hpp"

namespace strata::detail {

namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;
// Pipelined bytes held while a handler runs; beyond this, reading stops until it answers.
constexpr std::size_t kMaxHeldWhileBusy = 64 * 1024;
// How long a refused request's remaining upload is read and discarded, so that closing does not
// reset the connection before the client read the refusal.
constexpr std::chrono::milliseconds kLinger{2'000};

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// The wire form of a response. 1xx/204/304 carry no body and no Content-Length; HEAD answers
// announce the body's length without sending it.
std::string serialize(const HttpResponse& r, bool close, bool head) {
    bool bodyless = r.status < 200 || r.status == 204 || r.status == 304;
    std::string_view reason = http_status_str(static_cast<http_status>(r.status));
    if (reason == "<unknown>") reason = "Status";
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    if (!bodyless) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    for (const auto& [name, value] : r.headers) {
        auto l = lower(name);
        if (l == "content-type" || l == "content-length" || l == "connection") continue;
        if ((name + value).find_first_of("\r\n") != std::string::npos) continue;  // no injection
        out += name + ": " + value + "\r\n";
    }
    out += "\r\n";
    if (!head && !bodyless) out += r.body;
    return out;
}

uv_handle_t* as_handle(void* h) { return static_cast<uv_handle_t*>(h); }

}  // namespace

// One accepted TCP connection with its parser and deadline timer. It owns itself (self) until
// both its handles are closed; responders hold it weakly, so answering a closed one is a no-op.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    enum class State { Reading, Handling, Writing, Draining };
    enum class Deadline { None, Header, Body, Idle, Linger };

    // The responder's state: answers at most once, only while its connection still waits for
    // this request's answer. Dropped unanswered, it answers 500 so the connection does not hang.
    struct ResponderState {
        std::weak_ptr<HttpConnection> connection;
        std::uint64_t generation = 0;
        bool called = false;

        void respond(const HttpResponse& response) {
            if (called) return;  // a second answer is a handler bug; the first one stands
            called = true;
            if (auto c = connection.lock()) c->respond(generation, response);
        }
        ~ResponderState() {
            if (!called) respond(HttpResponse::text(500, "handler did not respond\n"));
        }
    };

    struct WriteReq {
        uv_write_t req{};
        std::string data;
        HttpConnection* connection = nullptr;
        bool ends_response = false;
    };

    std::shared_ptr<HttpServerCore> server;
    std::shared_ptr<HttpConnection> self;
    uv_tcp_t tcp{};
    uv_timer_t timer{};
    uv_shutdown_t shutdown_req{};
    int open_handles = 2;
    bool closing = false;
    http_parser parser{};
    State state = State::Reading;
    Deadline deadline = Deadline::None;
    bool keep_alive = true;
    bool close_after_response = false;
    bool linger = false;
    int refusal = 0;  // status decided while parsing (413, 400); answered once parsing stops
    std::uint64_t generation = 0;
    std::string url, field, value;
    bool in_value = false;
    HttpRequest request;
    std::string held;  // bytes after the current request, parsed once it is answered
    char buffer[kReadBufferSize];

    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp); }
    static HttpConnection* of(http_parser* p) { return static_cast<HttpConnection*>(p->data); }

    static const http_parser_settings& settings() {
        static const http_parser_settings s = [] {
            http_parser_settings s{};
            http_parser_settings_init(&s);
            s.on_message_begin = [](http_parser* p) { return of(p)->on_message_begin(); };
            s.on_url = [](http_parser* p, const char* at, std::size_t n) {
                of(p)->url.append(at, n);
                return 0;
            };
            s.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
                auto* c = of(p);
                if (c->in_value) c->commit_header();
                c->field.append(at, n);
                return 0;
            };
            s.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
                of(p)->in_value = true;
                of(p)->value.append(at, n);
                return 0;
            };
            s.on_headers_complete = [](http_parser* p) { return of(p)->on_headers_complete(); };
            s.on_body = [](http_parser* p, const char* at, std::size_t n) {
                return of(p)->on_body(at, n);
            };
            s.on_message_complete = [](http_parser* p) {
                http_parser_pause(p, 1);  // one request at a time: parse on after answering
                return 0;
            };
            return s;
        }();
        return s;
    }

    void start(uv_stream_t* listener) {
        if (uv_accept(listener, stream()) < 0) return close();
        uv_tcp_nodelay(&tcp, 1);
        http_parser_init(&parser, HTTP_REQUEST);
        parser.data = this;
        arm(Deadline::Header);
        read_start();
    }

    void read_start() {  // reading is already on most of the time; then this changes nothing
        auto alloc = [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
            auto* c = static_cast<HttpConnection*>(h->data);
            *buf = uv_buf_init(c->buffer, sizeof c->buffer);
        };
        uv_read_start(stream(), alloc, &HttpConnection::on_read);
    }

    void arm(Deadline d) {
        deadline = d;
        if (d == Deadline::None) {
            uv_timer_stop(&timer);
            return;
        }
        const auto& o = server->options;
        auto ms = d == Deadline::Header ? o.header_timeout
                                        : (d == Deadline::Linger ? kLinger : o.idle_timeout);
        auto fire = [](uv_timer_t* t) {
            auto* c = static_cast<HttpConnection*>(t->data);
            if (c->deadline == Deadline::Header && c->state == State::Reading) {
                c->refuse(408, "request headers not received in time\n");
            } else {
                c->close();
            }
        };
        uv_timer_start(&timer, fire, static_cast<std::uint64_t>(ms.count()), 0);
    }

    static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* c = static_cast<HttpConnection*>(s->data);
        if (nread < 0) return c->close();  // EOF or error: an unanswered request is dropped
        if (nread == 0) return;            // EAGAIN; a zero length would tell the parser EOF
        auto n = static_cast<std::size_t>(nread);
        if (c->state == State::Reading) {
            c->feed(buf->base, n);
        } else if (c->state != State::Draining && !c->close_after_response) {
            c->held.append(buf->base, n);
            if (c->held.size() >= kMaxHeldWhileBusy) uv_read_stop(c->stream());
        }  // else discarded: the connection closes after its answer
    }

    void feed(const char* data, std::size_t len) {
        std::size_t parsed = http_parser_execute(&parser, &settings(), data, len);
        auto err = HTTP_PARSER_ERRNO(&parser);
        if (refusal == 413) return refuse(413, "request body too large\n");
        if (refusal != 0) return refuse(refusal, "malformed request target\n");
        if (err == HPE_PAUSED) {
            held.assign(data + parsed, len - parsed);
            return dispatch();
        }
        if (err == HPE_HEADER_OVERFLOW) return refuse(431, "request headers too large\n");
        if (err != HPE_OK) {
            refuse(400, std::string("malformed request: ") + http_errno_description(err) + "\n");
        }
    }

    int on_message_begin() {
        request = HttpRequest{};
        url.clear();
        field.clear();
        value.clear();
        in_value = false;
        if (deadline != Deadline::Header) arm(Deadline::Header);
        return 0;
    }

    void commit_header() {
        auto [it, inserted] = request.headers.emplace(lower(field), value);
        if (!inserted) it->second += ", " + value;
        field.clear();
        value.clear();
        in_value = false;
    }

    int stop_parsing(int status) {
        refusal = status;
        http_parser_pause(&parser, 1);
        return 0;
    }

    int on_headers_complete() {
        if (in_value || !field.empty()) commit_header();
        request.method = http_method_str(static_cast<http_method>(parser.method));
        keep_alive = http_should_keep_alive(&parser) != 0;
        http_parser_url u;
        http_parser_url_init(&u);
        if (http_parser_parse_url(url.data(), url.size(), parser.method == HTTP_CONNECT, &u) != 0) {
            return stop_parsing(400);
        }
        auto part = [&](int f) {
            return (u.field_set & (1 << f)) ? url.substr(u.field_data[f].off, u.field_data[f].len)
                                            : std::string();
        };
        request.path = part(UF_PATH);
        if (request.path.empty()) request.path = "/";
        request.query = part(UF_QUERY);
        if ((parser.flags & F_CONTENTLENGTH) &&
            parser.content_length > server->options.max_body_bytes) {
            return stop_parsing(413);
        }
        arm(Deadline::Body);
        if (parser.http_minor >= 1 && lower(request.header("expect")) == "100-continue") {
            write("HTTP/1.1 100 Continue\r\n\r\n", false);
        }
        return 0;
    }

    int on_body(const char* at, std::size_t n) {
        if (request.body.size() + n > server->options.max_body_bytes) return stop_parsing(413);
        request.body.append(at, n);
        arm(Deadline::Body);
        return 0;
    }

    void dispatch() {
        state = State::Handling;
        arm(Deadline::None);
        if (parser.upgrade) close_after_response = true;  // no other protocols spoken here
        auto st = std::make_shared<ResponderState>();
        st->connection = weak_from_this();
        st->generation = ++generation;
        HttpResponder responder = [st](HttpResponse r) { st->respond(r); };
        std::set<std::string> allowed;
        const HttpHandler* found = server->find(request, allowed);
        if (!found && allowed.empty()) return responder(HttpResponse::text(404, "not found\n"));
        if (!found) {
            auto r = HttpResponse::text(405, "method not allowed\n");
            std::string allow;
            for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
            r.headers["Allow"] = allow;
            return responder(std::move(r));
        }
        HttpHandler handler = *found;  // the route table may change while it runs
        try {
            handler(request, responder);
        } catch (const std::exception&) {
            responder(HttpResponse::text(500, "internal error\n"));  // ignored if answered
        }
    }

    void respond(std::uint64_t gen, const HttpResponse& response) {
        if (closing || gen != generation || state != State::Handling) return;
        if (uv_is_closing(as_handle(&tcp))) return;  // the loop itself is shutting down
        close_after_response = close_after_response || !keep_alive || server->closing;
        state = State::Writing;
        arm(Deadline::Idle);  // a client that does not read its answer is dropped
        write(serialize(response, close_after_response, request.method == "HEAD"), true);
    }

    // Answers a request that will not reach a handler, then closes.
    void refuse(int status, std::string body) {
        close_after_response = true;
        linger = status != 408;
        state = State::Writing;
        ++generation;
        arm(Deadline::Idle);
        write(serialize(HttpResponse::text(status, std::move(body)), true, false), true);
    }

    void write(std::string data, bool ends_response) {
        auto* w = new WriteReq{{}, std::move(data), this, ends_response};
        w->req.data = w;
        uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
        auto written = [](uv_write_t* req, int status) {
            std::unique_ptr<WriteReq> w(static_cast<WriteReq*>(req->data));
            HttpConnection* c = w->connection;  // alive: writes end before the close callback
            if (c->closing) return;
            if (status < 0) return c->close();
            if (w->ends_response) c->after_response();
        };
        if (uv_write(&w->req, stream(), &buf, 1, written) < 0) {
            delete w;
            close();
        }
    }

    void after_response() {
        if (close_after_response && !linger) return close();
        if (close_after_response) {  // half-close, then drain what the client still sends
            state = State::Draining;
            arm(Deadline::Linger);
            read_start();
            if (uv_shutdown(&shutdown_req, stream(), [](uv_shutdown_t*, int) {}) < 0) close();
            return;
        }
        state = State::Reading;
        arm(Deadline::Idle);
        http_parser_pause(&parser, 0);
        read_start();
        if (!held.empty()) {
            std::string data = std::move(held);
            held.clear();
            feed(data.data(), data.size());
        }
    }

    void close() {
        if (closing) return;
        closing = true;
        server->connections.erase(this);
        for (uv_handle_t* h : {as_handle(&tcp), as_handle(&timer)}) {
            if (uv_is_closing(h)) continue;  // closed by Loop::close(): nothing can free us
            uv_close(h, [](uv_handle_t* h) {
                auto* c = static_cast<HttpConnection*>(h->data);
                if (--c->open_handles == 0) {
                    auto last = std::move(c->self);  // frees c on leaving this scope
                }
            });
        }
    }
};

void accept_http_connection(HttpServerCore& server, uv_stream_t* listener) {
    auto c = std::make_shared<HttpConnection>();
    c->server = server.shared_from_this();
    c->self = c;
    uv_tcp_init(server.loop.raw(), &c->tcp);
    uv_timer_init(server.loop.raw(), &c->timer);
    c->tcp.data = c.get();
    c->timer.data = c.get();
    server.connections.insert(c.get());
    c->start(listener);
}

void close_http_connection_when_idle(HttpConnection* c) {
    if (c->state == HttpConnection::State::Reading || c->state == HttpConnection::State::Draining) {
        c->close();
    } else {
        c->close_after_response = true;
    }
}

}  // namespace strata::detail
