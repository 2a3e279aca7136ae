// HttpServer against real clients: HttpClient for well-formed exchanges, raw sockets on a thread
// for the malformed, slow and abandoned ones. The loop runs on the test thread.
#include "strata/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "strata/http_client.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

// A blocking client socket; every read gives up after 5 s, so a broken server fails the test
// instead of hanging it.
class RawClient {
public:
    explicit RawClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
        timeval tv{5, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    }
    ~RawClient() { ::close(fd_); }

    void send(const std::string& data) {
        EXPECT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(data.size()));
    }

    // One response (head and Content-Length body), or "" if the connection ended first.
    std::string read_response() {
        std::size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) return "";
        }
        auto length = buffered_.find("Content-Length: ");  // npos > end when absent
        end += 4 + (length < end ? std::stoul(buffered_.substr(length + 16)) : 0);
        while (buffered_.size() < end) {
            if (!fill()) return "";
        }
        std::string response = buffered_.substr(0, end);
        buffered_.erase(0, end);
        return response;
    }

    // Everything until the server closes; closed is false if it did not within 5 s.
    std::string read_to_close(bool& closed) {
        while (fill()) continue;
        closed = eof_;
        return std::exchange(buffered_, "");
    }

private:
    bool fill() {
        char buf[4096];
        ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) eof_ = true;
        if (n <= 0) return false;
        buffered_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int fd_;
    std::string buffered_;
    bool eof_ = false;
};

int status_of(const std::string& response) {
    return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

std::string body_of(const std::string& response) {
    auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? "" : response.substr(at + 4);
}

class HttpServerTest : public ::testing::Test {
protected:
    void start(HttpServerOptions options = {}) {
        server_ = std::make_unique<HttpServer>(loop_, options);
        auto listening = server_->listen();
        ASSERT_TRUE(listening.ok()) << listening.error().message;
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
    }

    // One exchange through HttpClient, running the loop until it is answered.
    Result<HttpClientResponse> fetch(const std::string& path, std::string method = "GET",
                                     std::string body = "") {
        std::optional<Result<HttpClientResponse>> out;
        client_.send({std::move(method), url(path), {}, std::move(body)},
                     [&](Result<HttpClientResponse> r) { out = std::move(r); });
        if (!run_until(loop_, [&] { return out.has_value(); })) return make_error("no answer");
        return *out;
    }

    // Runs the loop while `client` runs on its own thread.
    void run_client(const std::function<void(RawClient&)>& client) {
        std::atomic<bool> done{false};
        std::thread thread([&] {
            RawClient raw(server_->port());
            client(raw);
            done = true;
        });
        EXPECT_TRUE(run_until(loop_, [&] { return done.load(); }));
        thread.join();
    }

    // Closing the server must leave nothing open: the loop then ends by itself.
    void TearDown() override {
        if (!server_) return;
        server_->close();
        EXPECT_TRUE(run_until(loop_, [&] { return server_->open_connections() == 0; }));
        loop_.run();
        int open = 0;
        uv_walk(
            loop_.raw(),
            [](uv_handle_t* h, void* n) {
                if (h->type != UV_ASYNC && !uv_is_closing(h)) ++*static_cast<int*>(n);
            },
            &open);
        EXPECT_EQ(open, 0);
    }

    Loop loop_;
    std::unique_ptr<HttpServer> server_;
    HttpClient client_{loop_};
};

const HttpHandler kHello = [](const HttpRequest&, HttpResponder respond) {
    respond(HttpResponse::text(200, "hi"));
};

TEST_F(HttpServerTest, AnswersRoutedPathsAnd404ForUnknownOnes) {
    start();
    server_->route("GET", "/hello", kHello);
    auto hello = fetch("/hello");
    ASSERT_TRUE(hello.ok()) << hello.error().message;
    EXPECT_EQ(hello->status, 200);
    EXPECT_EQ(hello->body, "hi");
    EXPECT_EQ(hello->headers["content-type"], "text/plain; charset=utf-8");
    EXPECT_EQ(hello->headers["content-length"], "2");
    EXPECT_EQ(hello->headers["connection"], "keep-alive");
    auto missing = fetch("/nope");
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, WrongMethodGets405NamingTheAllowedOnes) {
    start();
    server_->route("GET", "/thing", kHello);
    server_->route("PUT", "/thing", kHello);
    auto r = fetch("/thing", "DELETE");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->headers["allow"], "GET, PUT");
}

TEST_F(HttpServerTest, PrefixRoutesComeAfterExactOnesAndQueriesAreSplitOff) {
    start();
    std::string seen;
    server_->route("GET", "/jobs/special", kHello);
    server_->route_prefix("*", "/jobs/", [&](const HttpRequest& req, HttpResponder respond) {
        seen = req.method + " " + req.path + " " + req.query;
        respond(HttpResponse::json(200, "{}"));
    });
    auto special = fetch("/jobs/special");
    ASSERT_TRUE(special.ok());
    EXPECT_EQ(special->body, "hi");
    auto job = fetch("/jobs/42?verbose=1&x=%20", "POST");
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->headers["content-type"], "application/json");
    EXPECT_EQ(seen, "POST /jobs/42 verbose=1&x=%20");
}

TEST_F(HttpServerTest, PostBodyReachesTheHandler) {
    start();
    server_->route("POST", "/echo", [](const HttpRequest& req, HttpResponder respond) {
        respond(HttpResponse::text(200, req.body));
    });
    std::string big(200'000, 'x');
    auto r = fetch("/echo", "POST", big);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->body == big) << r->body.size() << " bytes: " << r->body.substr(0, 80);
}

TEST_F(HttpServerTest, HandlerMayAnswerLaterFromATimer) {
    start();
    Timer later(loop_);
    server_->route("GET", "/slow", [&](const HttpRequest&, HttpResponder respond) {
        later.start(50ms, [respond] { respond(HttpResponse::text(202, "done")); });
    });
    auto r = fetch("/slow");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 202);
    EXPECT_EQ(r->body, "done");
}

TEST_F(HttpServerTest, PipelinedRequestsAreHandledOneAtATimeOnOneConnection) {
    start();
    Timer later(loop_);
    std::vector<std::string> events;
    server_->route("GET", "/first", [&](const HttpRequest&, HttpResponder respond) {
        events.push_back("first called");
        later.start(50ms, [&, respond] {
            events.push_back("first answered");
            respond(HttpResponse::text(200, "one"));
        });
    });
    server_->route("GET", "/second", [&](const HttpRequest&, HttpResponder respond) {
        events.push_back("second called");
        respond(HttpResponse::text(200, "two"));
    });
    run_client([](RawClient& c) {
        c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(body_of(c.read_response()), "one");
        EXPECT_EQ(body_of(c.read_response()), "two");
    });
    EXPECT_EQ(events,
              (std::vector<std::string>{"first called", "first answered", "second called"}));
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
    start();
    server_->route("GET", "/hello", kHello);
    run_client([](RawClient& c) {
        c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        bool closed = false;
        auto response = c.read_to_close(closed);
        EXPECT_TRUE(closed);
        EXPECT_EQ(status_of(response), 200);
        EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos);
    });
}

TEST_F(HttpServerTest, HeaderNamesAreLowerCasedAndRepeatsJoined) {
    start();
    HttpRequest seen;
    server_->route("GET", "/", [&](const HttpRequest& req, HttpResponder respond) {
        seen = req;
        respond(HttpResponse::text(204, ""));
    });
    run_client([](RawClient& c) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Tag: a\r\nx-TAG: b\r\nX-Empty:\r\n\r\n");
        EXPECT_EQ(status_of(c.read_response()), 204);
    });
    EXPECT_EQ(seen.header("x-tag"), "a, b");
    EXPECT_EQ(seen.header("host"), "x");
    EXPECT_EQ(seen.headers.count("x-empty"), 1u);
    EXPECT_EQ(seen.header("absent"), "");
}

TEST_F(HttpServerTest, OversizedBodyIsRefusedWith413BeforeItArrives) {
    HttpServerOptions options;
    options.max_body_bytes = 1024;
    start(options);
    bool called = false;
    server_->route("POST", "/", [&](const HttpRequest&, HttpResponder r) {
        called = true;
        r(HttpResponse::text(200, ""));
    });
    run_client([](RawClient& c) {
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
        bool closed = false;
        auto response = c.read_to_close(closed);
        EXPECT_TRUE(closed);
        EXPECT_EQ(status_of(response), 413);
    });
    EXPECT_FALSE(called);
}

TEST_F(HttpServerTest, ChunkedBodyGrowingPastTheLimitIsRefusedWith413) {
    HttpServerOptions options;
    options.max_body_bytes = 1024;
    start(options);
    server_->route("POST", "/", kHello);
    run_client([](RawClient& c) {
        std::string chunk = "258\r\n" + std::string(600, 'x') + "\r\n";  // 0x258 = 600
        c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk);
        c.send(chunk);
        bool closed = false;
        EXPECT_EQ(status_of(c.read_to_close(closed)), 413);
        EXPECT_TRUE(closed);
    });
}

TEST_F(HttpServerTest, MalformedRequestIsAnswered400AndClosed) {
    start();
    run_client([](RawClient& c) {
        c.send("HELLO THERE\r\n\r\n");
        bool closed = false;
        EXPECT_EQ(status_of(c.read_to_close(closed)), 400);
        EXPECT_TRUE(closed);
    });
}

TEST_F(HttpServerTest, HalfSentHeadersAreCutOffAfterTheHeaderTimeout) {
    HttpServerOptions options;
    options.header_timeout = 200ms;
    start(options);
    run_client([](RawClient& c) {
        auto began = std::chrono::steady_clock::now();
        c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow");
        bool closed = false;
        EXPECT_EQ(status_of(c.read_to_close(closed)), 408);
        EXPECT_TRUE(closed);
        EXPECT_GE(std::chrono::steady_clock::now() - began, 150ms);
    });
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
    HttpServerOptions options;
    options.idle_timeout = 200ms;
    start(options);
    server_->route("GET", "/hello", kHello);
    run_client([](RawClient& c) {
        c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(status_of(c.read_response()), 200);
        bool closed = false;
        EXPECT_EQ(c.read_to_close(closed), "");
        EXPECT_TRUE(closed);
    });
}

TEST_F(HttpServerTest, ResponderCalledAfterTheClientLeftDoesNothing) {
    start();
    HttpResponder stored;
    server_->route("GET", "/wait", [&](const HttpRequest&, HttpResponder r) { stored = r; });
    server_->route("GET", "/hello", kHello);
    run_client([](RawClient& c) { c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"); });
    ASSERT_TRUE(run_until(loop_, [&] { return stored && server_->open_connections() == 0; }));
    stored(HttpResponse::text(200, "too late"));
    stored = nullptr;
    auto r = fetch("/hello");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, SecondAnswerToOneRequestIsIgnored) {
    start();
    server_->route("GET", "/", [](const HttpRequest&, HttpResponder respond) {
        respond(HttpResponse::text(200, "first"));
        respond(HttpResponse::text(500, "second"));
    });
    run_client([](RawClient& c) {
        for (int i = 0; i < 2; ++i) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            EXPECT_EQ(body_of(c.read_response()), "first");
        }
    });
}

TEST_F(HttpServerTest, HandlerThatDropsItsResponderGets500) {
    start();
    server_->route("GET", "/", [](const HttpRequest&, HttpResponder) {});
    auto r = fetch("/");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500);
}

TEST_F(HttpServerTest, CloseLetsTheRequestInFlightFinishThenTheLoopEnds) {
    start();
    HttpResponder stored;
    server_->route("GET", "/wait", [&](const HttpRequest&, HttpResponder r) { stored = r; });
    std::optional<Result<HttpClientResponse>> out;
    client_.send({"GET", url("/wait")}, [&](Result<HttpClientResponse> r) { out = std::move(r); });
    ASSERT_TRUE(run_until(loop_, [&] { return bool(stored); }));
    server_->close();
    EXPECT_EQ(server_->open_connections(), 1u);
    stored(HttpResponse::text(200, "finished"));
    ASSERT_TRUE(run_until(loop_, [&] { return out.has_value(); }));
    ASSERT_TRUE(out->ok()) << out->error().message;
    EXPECT_EQ((*out)->body, "finished");
    EXPECT_EQ((*out)->headers["connection"], "close");
    // TearDown checks that the loop then ends with nothing left open.
}

}  // namespace
}  // namespace strata
