// libFuzzer target: the HTTP request path every daemon serves (ingest's webhook endpoint among
// them). Each input is the byte stream of one TCP connection to a real HttpServer on loopback:
// sent whole, then the client's side is shut down and whatever the server answers is read until
// it closes. Properties checked besides the sanitizers': the server closes every connection
// (no input hangs it) and keeps none open afterwards.
//
// Each connection comes from its own 127.x.y.z source address and from the server's own port
// number: the client closes first, so its side of every connection waits out TIME_WAIT, and this
// way those thousands of entries neither exhaust the ephemeral ports nor occupy ports that other
// programs (tests running beside the fuzzer) are given by the kernel or pick as free.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "strata/http_server.hpp"
#include "strata/loop.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Rig {
    strata::Loop loop;
    strata::HttpServer server;
    uint32_t next_source = 0;

    static strata::HttpServerOptions options() {
        strata::HttpServerOptions o;
        o.max_body_bytes = 8 * 1024;  // small, so that inputs reach the 413 paths
        o.header_timeout = std::chrono::seconds(2);
        o.idle_timeout = std::chrono::seconds(2);
        return o;
    }

    Rig() : server(loop, options()) {
        using strata::HttpRequest, strata::HttpResponder, strata::HttpResponse;
        server.route("POST", "/events", [](const HttpRequest& req, HttpResponder respond) {
            respond(HttpResponse::json(202, "{\"bytes\":" + std::to_string(req.body.size()) + "}"));
        });
        server.route("GET", "/healthz", [](const HttpRequest&, HttpResponder respond) {
            respond(HttpResponse::text(200, "ok\n"));
        });
        // An answer given later, from the loop (like ingest's after the broker's confirm).
        server.route_prefix("*", "/later/", [this](const HttpRequest& req, HttpResponder respond) {
            auto path = req.path;
            loop.post([respond, path] { respond(HttpResponse::text(200, path)); });
        });
        if (!server.listen()) std::abort();
    }

    void pump(int fd, short events) {
        pollfd fds[2] = {{fd, events, 0}, {uv_backend_fd(loop.raw()), POLLIN, 0}};
        ::poll(fds, 2, 1);
        uv_run(loop.raw(), UV_RUN_NOWAIT);
    }
};

Rig& rig() {
    static Rig* r = new Rig();  // lives for the whole run
    return *r;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "http_request_fuzzer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Rig& r = rig();
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    uint32_t n = ++r.next_source % 0xfffffe + 1;
    if (n == 1) n = 2;  // not 127.0.0.1 itself, where the server listens on that port
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_port = htons(static_cast<uint16_t>(r.server.port()));
    source.sin_addr.s_addr = htonl(0x7f000000u | n);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) fail("bind");
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<uint16_t>(r.server.port()));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0 &&
        errno != EINPROGRESS)
        fail("connect");

    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::size_t sent = 0;
    bool shut = false, eof = false;
    while (!eof) {
        if (Clock::now() > deadline) fail("the server neither answered nor closed in 10 s");
        r.pump(fd, static_cast<short>(POLLIN | (shut ? 0 : POLLOUT)));
        if (!shut) {
            if (sent < size) {
                auto w = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
                if (w > 0) sent += static_cast<std::size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINPROGRESS && errno != ENOTCONN)
                    shut = true;  // the server closed early (a refusal): fine
            }
            if (sent == size && !shut) {
                shut = ::shutdown(fd, SHUT_WR) == 0 || errno != ENOTCONN;
            }
        }
        char buf[16384];
        for (;;) {
            auto got = ::recv(fd, buf, sizeof buf, 0);
            if (got > 0) continue;
            if (got == 0 || (errno != EAGAIN && errno != ENOTCONN)) eof = true;
            break;
        }
    }
    ::close(fd);
    while (r.server.open_connections() > 0) {
        if (Clock::now() > deadline) fail("a connection stayed open after its client left");
        r.pump(-1, 0);
    }
    return 0;
}
