// A small HTTP/1.1 server on the daemon's libuv loop, parsing with http-parser. Used for
// ingest's webhook endpoint and every daemon's /healthz and /metrics.
//
// Contract: handlers run on the loop thread and must call the responder exactly once, possibly
// later (ingest answers after the broker confirmed). Requests on one connection are handled one
// at a time (keep-alive, no pipelined concurrency). Bodies over max_body_bytes are answered 413
// as soon as the length is known, without buffering them; a connection whose headers have not
// arrived within header_timeout is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "strata/result.hpp"

namespace strata {

class Loop;

struct HttpRequest {
    std::string method;                          // "GET", "POST", ...
    std::string path;                            // without the query string
    std::string query;                           // after '?', undecoded
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    // The header's value, or "" when absent. name must be lower case.
    const std::string& header(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::map<std::string, std::string> headers;

    static HttpResponse text(int status, std::string body);
    static HttpResponse json(int status, std::string body);
};

using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpResponder)>;

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the kernel picks; read it back with port()
    std::size_t max_body_bytes = 25 * 1024 * 1024;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
};

class HttpServer {
public:
    HttpServer(Loop& loop, HttpServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Exact path match; method "*" matches any method. Unrouted: 404; wrong method: 405.
    void route(std::string method, std::string path, HttpHandler handler);
    // Path prefix match, tried after exact routes ("/jobs/").
    void route_prefix(std::string method, std::string prefix, HttpHandler handler);

    Result<void> listen();
    int port() const;  // the bound port, after listen()
    // Connections accepted and not yet closed (for metrics and tests).
    std::size_t open_connections() const;

    // Stops accepting, closes idle connections; in-flight requests still get their answer.
    void close();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace strata
