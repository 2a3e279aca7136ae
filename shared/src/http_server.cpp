// HttpServer: listening, routing and closing. The connections' side (parsing, keep-alive,
// deadlines, answering) is in http_connection.cpp.
#include "strata/http_server.hpp"

#include <netinet/in.h>
#include <uv.h>

#include <utility>

#include "http_connection.hpp"
#include "strata/loop.hpp"

namespace strata {

const std::string& HttpRequest::header(const std::string& name) const {
    static const std::string empty;
    auto it = headers.find(name);
    return it == headers.end() ? empty : it->second;
}

HttpResponse HttpResponse::text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
    HttpResponse r = text(status, std::move(body));
    r.content_type = "application/json";
    return r;
}

namespace detail {

// Exact routes first; then the longest matching prefix. A path some route matches with another
// method reports that method in allowed.
const HttpHandler* HttpServerCore::find(const HttpRequest& req,
                                        std::set<std::string>& allowed) const {
    auto method_ok = [&](const HttpRoute& r) { return r.method == "*" || r.method == req.method; };
    for (const auto& r : exact) {
        if (r.path != req.path) continue;
        if (method_ok(r)) return &r.handler;
        allowed.insert(r.method);
    }
    const HttpRoute* best = nullptr;
    for (const auto& r : prefix) {
        if (req.path.compare(0, r.path.size(), r.path) != 0) continue;
        if (!method_ok(r)) {
            allowed.insert(r.method);
        } else if (!best || r.path.size() > best->path.size()) {
            best = &r;
        }
    }
    return best ? &best->handler : nullptr;
}

}  // namespace detail

namespace {

void close_listener(uv_tcp_t* tcp) {
    auto* handle = reinterpret_cast<uv_handle_t*>(tcp);
    if (uv_is_closing(handle)) return;  // closed by Loop::close(): it frees nothing
    uv_close(handle, [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
}

}  // namespace

struct HttpServer::Impl : detail::HttpServerCore {
    using HttpServerCore::HttpServerCore;

    uv_tcp_t* listener = nullptr;  // freed in its close callback
    int bound_port = 0;

    void close() {
        if (closing) return;
        closing = true;
        if (listener) close_listener(listener);
        listener = nullptr;
        std::vector<detail::HttpConnection*> open(connections.begin(), connections.end());
        for (auto* c : open) detail::close_http_connection_when_idle(c);
    }
};

HttpServer::HttpServer(Loop& loop, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {}

HttpServer::~HttpServer() { impl_->close(); }

void HttpServer::route(std::string method, std::string path, HttpHandler handler) {
    impl_->exact.push_back({std::move(method), std::move(path), std::move(handler)});
}

void HttpServer::route_prefix(std::string method, std::string prefix, HttpHandler handler) {
    impl_->prefix.push_back({std::move(method), std::move(prefix), std::move(handler)});
}

Result<void> HttpServer::listen() {
    auto& s = *impl_;
    std::string where = s.options.host + ":" + std::to_string(s.options.port);
    if (s.listener || s.closing) return make_error("listening on " + where + ": already used");
    sockaddr_storage addr{};
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    int rc = uv_ip4_addr(s.options.host.c_str(), s.options.port, v4);
    if (rc < 0) rc = uv_ip6_addr(s.options.host.c_str(), s.options.port, v6);
    if (rc < 0) return make_error("listening on " + where + ": " + uv_strerror(rc));
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(s.loop.raw(), tcp);
    tcp->data = &s;
    auto on_connection = [](uv_stream_t* listener, int status) {
        auto* server = static_cast<Impl*>(listener->data);
        if (status == 0 && !server->closing) detail::accept_http_connection(*server, listener);
    };
    rc = uv_tcp_bind(tcp, sa, 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), 511, on_connection);
    int len = sizeof addr;
    if (rc == 0) rc = uv_tcp_getsockname(tcp, sa, &len);
    if (rc < 0) {
        close_listener(tcp);
        return make_error("listening on " + where + ": " + uv_strerror(rc));
    }
    s.listener = tcp;
    s.bound_port = ntohs(addr.ss_family == AF_INET6 ? v6->sin6_port : v4->sin_port);
    return {};
}

int HttpServer::port() const { return impl_->bound_port; }

std::size_t HttpServer::open_connections() const { return impl_->connections.size(); }

void HttpServer::close() { impl_->close(); }

}  // namespace strata
