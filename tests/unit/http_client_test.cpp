// HttpClient against a real HttpServer on the same loop; the loop runs on the test thread.
#include "strata/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "strata/http_server.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using testing::run_until;

class HttpClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto listening = server_.listen();
        ASSERT_TRUE(listening.ok()) << listening.error().message;
    }

    void TearDown() override {
        client_.reset();
        server_.close();
        EXPECT_TRUE(run_until(loop_, [&] { return server_.open_connections() == 0; }));
        loop_.run();
    }

    std::string url(const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
    }

    // Sends req and runs the loop until its callback ran.
    Result<HttpClientResponse> send(HttpClientRequest req) {
        std::optional<Result<HttpClientResponse>> out;
        client_->send(std::move(req), [&](Result<HttpClientResponse> r) { out = std::move(r); });
        if (!run_until(loop_, [&] { return out.has_value(); })) return make_error("no callback");
        return *out;
    }

    Loop loop_;
    HttpServer server_{loop_, HttpServerOptions{}};
    std::unique_ptr<HttpClient> client_ = std::make_unique<HttpClient>(loop_);
};

TEST_F(HttpClientTest, ReturnsStatusLowerCasedHeadersAndBody) {
    server_.route("GET", "/thing", [](const HttpRequest&, HttpResponder respond) {
        auto r = HttpResponse::json(201, R"({"id":7})");
        r.headers["X-Request-ID"] = "abc";
        respond(std::move(r));
    });
    auto r = send({"GET", url("/thing")});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->headers["x-request-id"], "abc");
    EXPECT_EQ(r->headers["content-type"], "application/json");
    EXPECT_EQ(r->body, R"({"id":7})");
}

TEST_F(HttpClientTest, SendsMethodHeadersAndBody) {
    server_.route("*", "/echo", [](const HttpRequest& req, HttpResponder respond) {
        respond(HttpResponse::text(200, req.method + " " + req.header("x-token") + " " + req.body));
    });
    auto r = send({"PUT", url("/echo"), {{"X-Token", "t1"}}, "payload"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->body, "PUT t1 payload");
    auto del = send({"DELETE", url("/echo")});
    ASSERT_TRUE(del.ok());
    EXPECT_EQ(del->body, "DELETE  ");
}

TEST_F(HttpClientTest, ErrorStatusIsAResponseNotAnError) {
    auto r = send({"GET", url("/missing")});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 404);
}

TEST_F(HttpClientTest, ConnectionRefusedIsAnErrorSayingWhatWasSent) {
    std::string target = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/hook";
    auto r = send({"POST", target, {}, "x"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.rfind("POST " + target + ": ", 0), 0u) << r.error().message;
}

TEST_F(HttpClientTest, SlowServerTimesOutAsAnError) {
    HttpResponder stored;
    server_.route("GET", "/slow", [&](const HttpRequest&, HttpResponder r) { stored = r; });
    HttpClientRequest req{"GET", url("/slow")};
    req.timeout = 200ms;
    auto r = send(req);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("imed out"), std::string::npos) << r.error().message;
    stored = nullptr;
}

TEST_F(HttpClientTest, ConsecutiveRequestsReuseOneConnection) {
    std::vector<std::size_t> open;
    server_.route("GET", "/", [&](const HttpRequest&, HttpResponder respond) {
        open.push_back(server_.open_connections());
        respond(HttpResponse::text(200, "ok"));
    });
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(send({"GET", url("/")}).ok());
    EXPECT_EQ(open, (std::vector<std::size_t>{1, 1, 1}));
}

TEST_F(HttpClientTest, DestroyingTheClientDropsItsPendingCallback) {
    HttpResponder stored;
    server_.route("GET", "/wait", [&](const HttpRequest&, HttpResponder r) { stored = r; });
    bool called = false;
    client_->send({"GET", url("/wait")}, [&](Result<HttpClientResponse>) { called = true; });
    ASSERT_TRUE(run_until(loop_, [&] { return bool(stored); }));
    client_.reset();  // aborts the transfer under way
    stored(HttpResponse::text(200, "unread"));
    stored = nullptr;
    EXPECT_TRUE(run_until(loop_, [&] { return server_.open_connections() == 0; }));
    EXPECT_FALSE(called);
}

TEST_F(HttpClientTest, BlockingRequestNeedsNoLoopThread) {
    server_.route("GET", "/hello", [](const HttpRequest&, HttpResponder respond) {
        respond(HttpResponse::text(200, "hi"));
    });
    std::optional<Result<HttpClientResponse>> out;
    std::atomic<bool> done{false};
    std::thread thread([&] {
        out = http_request_blocking({"GET", url("/hello")});
        done = true;
    });
    EXPECT_TRUE(run_until(loop_, [&] { return done.load(); }));
    thread.join();
    ASSERT_TRUE(out && out->ok());
    EXPECT_EQ((*out)->body, "hi");
    auto refused = http_request_blocking(
        {"GET", "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/"});
    EXPECT_FALSE(refused.ok());
}

}  // namespace
}  // namespace strata
