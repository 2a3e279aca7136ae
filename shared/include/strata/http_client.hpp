// An HTTP client on libcurl for outbound calls (webhooks, APIs). Requests run one after another
// on a worker thread the client owns, reusing connections (keep-alive); results come back on the
// loop thread.
//
// Contract: any HTTP status is a response (ok); only transport failures (DNS, refused, timeout,
// TLS) are Errors, worded "POST http://host/path: <what curl said>".
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "strata/result.hpp"

namespace strata {

class Loop;

struct HttpClientRequest {
    std::string method = "GET";
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
    std::chrono::milliseconds timeout{10'000};  // the whole exchange, connecting included
};

struct HttpClientResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased; repeats joined with ", "
    std::string body;
};

class HttpClient {
public:
    explicit HttpClient(Loop& loop);
    // Joins the worker, aborting the transfer under way; callbacks not yet run are dropped.
    // Destroy it on the loop thread, before the loop.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Call on the loop thread. The callback runs there, exactly once unless the client is
    // destroyed first. While requests are outstanding they keep Loop::run() from returning.
    void send(HttpClientRequest request, std::function<void(Result<HttpClientResponse>)> callback);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// The same exchange, blocking the calling thread (for tools and tests; no loop needed).
Result<HttpClientResponse> http_request_blocking(const HttpClientRequest& request);

}  // namespace strata
