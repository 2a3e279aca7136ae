// The ingest daemon's webhook endpoint in this process, on real Redis and RabbitMQ, with its loop
// on a thread of its own so tests can talk HTTP to it with blocking sockets; and a small HTTP/1.1
// client over raw sockets (keep-alive, exact bytes) to do so.
//
// The harness builds the service exactly as the daemon does (make_service over the daemon's
// option table) and binds a queue "<exchange>.downstream" to event.# so that what ingest
// publishes routes and stays there to be counted (downstream_spec()).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/daemon.hpp"

namespace strata::testing {

struct IngestHarnessOptions {
    std::string amqp_url;
    std::string redis_url;
    std::string exchange;      // unique per test
    std::string redis_prefix;  // unique per test
    // Ingest options by key ("webhook_secret", "repo_allowlist", ...), as STRATA_* would set.
    std::map<std::string, std::string> config;
    HttpServerOptions http;  // host and port are overridden (127.0.0.1, any free port)
    std::chrono::milliseconds publish_timeout{5'000};
    bool bind_downstream = true;  // false: ingest's publishes are unroutable
};

class IngestHarness {
public:
    explicit IngestHarness(IngestHarnessOptions options);  // throws when setup fails
    ~IngestHarness();                                      // stops the loop thread
    IngestHarness(const IngestHarness&) = delete;
    IngestHarness& operator=(const IngestHarness&) = delete;

    int port() const { return port_; }
    Metrics& metrics() { return metrics_; }
    bool amqp_healthy() const { return amqp_->healthy(); }
    // Counter value of strata_ingest_webhooks_total{event, outcome}.
    long long webhooks(const std::string& event, const std::string& outcome);
    // Starts the service's drain on the loop, as SIGTERM does; the flag turns true when the
    // service says it is drained (every request in hand answered).
    std::shared_ptr<std::atomic<bool>> drain();
    // GET key on the harness' Redis connection: the value, "" when absent or on error.
    std::string redis_get(const std::string& key);

    // The queue bound to every event.* routing key on the test's exchange.
    static QueueSpec downstream_spec();

private:
    Loop loop_;
    Metrics metrics_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<AmqpClient> amqp_;
    std::unique_ptr<RedisClient> redis_;
    std::optional<ParsedCommandLine> parsed_;
    std::unique_ptr<DaemonContext> ctx_;
    std::unique_ptr<Service> service_;
    std::thread thread_;
    std::atomic<bool> stopped_{false};
    int port_ = 0;
};

// Everything in "<exchange>.downstream" (acked), in queue order: publishes a sentinel behind it
// and consumes until the sentinel arrives, so nothing published before the call is missed and
// nothing is counted twice. Empty with a failure message in error when the deadline passes.
std::vector<Delivery> take_downstream(
    const std::string& amqp_url, const std::string& exchange, std::string* error = nullptr,
    std::chrono::milliseconds deadline = std::chrono::seconds(60));

// Deletes "<exchange>.downstream" and its DLQ (amqp-delete-queue).
void delete_downstream(const std::string& amqp_url, const std::string& exchange);

// ---- HTTP over raw sockets ----------------------------------------------------------------

struct RawResponse {
    int status = 0;  // 0: no complete response (connection closed or timed out first)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    bool closed = false;  // the server closed the connection after (or instead of) answering
};

// One TCP connection to 127.0.0.1:port; requests on it use keep-alive.
class RawHttpConnection {
public:
    explicit RawHttpConnection(int port);
    ~RawHttpConnection();
    RawHttpConnection(const RawHttpConnection&) = delete;
    RawHttpConnection& operator=(const RawHttpConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    bool send(const std::string& bytes);  // all of them; false when the peer is gone
    void shutdown_write();
    // Reads one response (status, headers, Content-Length body) within the deadline.
    RawResponse read_response(std::chrono::milliseconds deadline = std::chrono::seconds(15));
    // True when the server closes the connection within the deadline (reads and drops data).
    bool closed_within(std::chrono::milliseconds deadline);

private:
    int fd_ = -1;
    std::string buffer_;
};

// A signed webhook request. secret "" leaves the signature header out.
struct WebhookRequest {
    std::string event = "push";
    std::string delivery;
    std::string body;
    std::string content_type = "application/json";
    std::string path = "/events";
    std::map<std::string, std::string> extra_headers;
};
std::string webhook_bytes(const WebhookRequest& request, const std::string& secret);

// Sends one request on a fresh connection and reads the answer.
RawResponse post_webhook(int port, const WebhookRequest& request, const std::string& secret);

// A realistic push payload of about `size` bytes (commits with messages and file lists) to the
// default branch of repository `full_name`.
std::string push_payload(const std::string& full_name, std::size_t size = 7 * 1024);

// Runs a shell command; returns its exit code and stdout (trailing newlines trimmed).
std::pair<int, std::string> shell(const std::string& command);

// amqp-tools want the URL without the trailing "/" (the empty vhost otherwise).
std::string tool_url(std::string url);

// Publishes body with amqp-publish (Debian's amqp-tools: a client that knows nothing of Strata),
// persistent, content type application/json, no other property. Returns its exit code.
int amqp_publish(const std::string& amqp_url, const std::string& exchange,
                 const std::string& routing_key, const std::string& body);

// A message envelope around a JSON payload, written by hand as an operator would.
std::string hand_written_envelope(const std::string& type, const std::string& id,
                                  const std::string& payload);

}  // namespace strata::testing
