// HttpServer's insides, private to shared/: the state a server shares with its connections, and
// the connection side (parsing, dispatch, keep-alive, deadlines) in http_connection.cpp.
// Everything here runs on the loop thread.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strata/http_server.hpp"

struct uv_stream_s;

namespace strata::detail {

class HttpConnection;

struct HttpRoute {
    std::string method;  // "*": any
    std::string path;    // the whole path, or a prefix
    HttpHandler handler;
};

// Created with make_shared; connections hold it, so it outlives the server object while any
// connection is open.
struct HttpServerCore : std::enable_shared_from_this<HttpServerCore> {
    HttpServerCore(Loop& l, HttpServerOptions o) : loop(l), options(std::move(o)) {}

    Loop& loop;
    HttpServerOptions options;
    std::vector<HttpRoute> exact;
    std::vector<HttpRoute> prefix;
    bool closing = false;                   // close() was called: every answer closes
    std::set<HttpConnection*> connections;  // open ones

    // The handler for req; nullptr with the methods its path accepts (none: unknown path).
    const HttpHandler* find(const HttpRequest& req, std::set<std::string>& allowed) const;
};

// Accepts a pending connection on listener; it then lives on its own until it closes.
void accept_http_connection(HttpServerCore& server, uv_stream_s* listener);

// Closes the connection now if no request is in flight, else once its answer is written.
void close_http_connection_when_idle(HttpConnection* connection);

}  // namespace strata::detail
